/**
 * The memory page as users start it: the built CLI (`memoram-mcp ui --no-open`, or `serve --http`)
 * as a child process with its own directories, and the URL it prints.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';
import { collectOutput, type Output, spawnCli, type TempHome } from '../cli/spawn.js';

/** The test's own MemoryService on the home's local store: "the assistant in another process". */
export async function openStore(home: TempHome): Promise<MemoryService> {
  return new MemoryService(
    await openLocalBackend({
      storeFile: path.join(home.env.MEMORAM_DATA_DIR!, 'memories.db'),
      configDir: home.env.MEMORAM_CONFIG_DIR!,
    }),
  );
}

export interface RunningPage {
  /** The URL with this start's token, as printed. */
  url: string;
  origin: string;
  child: ChildProcessWithoutNullStreams;
  output: Output;
  stop(): Promise<void>;
}

const PAGE_URL = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/;

export async function startPage(
  env: Record<string, string>,
  args = ['ui', '--no-open'],
): Promise<RunningPage> {
  const child = spawnCli(args, env);
  const output = collectOutput(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no page URL in 15 s:\n${output.stderr()}`)), 15_000);
    const look = () => {
      const found = PAGE_URL.exec(output.stdout() + output.stderr());
      if (found) {
        clearTimeout(timer);
        resolve(found[0]);
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited (${code}):\n${output.stderr()}`));
    });
  });
  return {
    url,
    origin: new URL(url).origin,
    child,
    output,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
