// Helpers to run the built CLI (dist/cli.js) as a real child process with its own temp directories.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

export interface TempHome {
  dir: string;
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

export async function tempHome(): Promise<TempHome> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memoram-cli-'));
  return {
    dir,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      MEMORAM_DATA_DIR: path.join(dir, 'data'),
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_LOG_LEVEL: 'info',
      // No model download from a test (no network here); a test that wants embeddings sets its own.
      MEMORAM_EMBEDDINGS: 'off',
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function spawnCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [CLI, ...args], { env, stdio: 'pipe', cwd });
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Everything a child process has printed so far, on each stream. */
export interface Output {
  stdout(): string;
  stderr(): string;
}

export function collectOutput(child: ChildProcessWithoutNullStreams): Output {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return { stdout: () => stdout, stderr: () => stderr };
}

/** Runs a command to completion, feeding `input` on stdin, in `cwd` (default: this process's). */
export function runCli(
  args: string[],
  env: Record<string, string>,
  input = '',
  cwd?: string,
): Promise<RunResult> {
  const child = spawnCli(args, env, cwd);
  const output = collectOutput(child);
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: output.stdout(), stderr: output.stderr() }));
  });
}

/** A real MCP client talking to a real server process over stdio. */
export async function connectCli(env: Record<string, string>, name = 'cli-test'): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve'],
    env,
    stderr: 'ignore',
  });
  const client = new Client({ name, version: '1.0.0' });
  await client.connect(transport);
  return client;
}

export function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}
