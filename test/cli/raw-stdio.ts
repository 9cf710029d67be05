// A raw JSON-RPC session with the built server over stdio: write any line, read every message back.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { exited, spawnCli } from './spawn.js';

export interface RpcMessage {
  jsonrpc?: string;
  id?: unknown;
  method?: string;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export interface RawSession {
  readonly child: ChildProcessWithoutNullStreams;
  /** Every message the server wrote, in order (batch answers flattened). */
  messages(): RpcMessage[];
  /** Every line stdout carried that is not JSON (must stay empty). */
  strayLines(): string[];
  stderr(): string;
  write(line: string): void;
  /** Writes a request and waits for the one answer carrying its id. */
  call(request: Record<string, unknown>): Promise<RpcMessage>;
  /** Waits until the server has written at least `count` messages matching `match`. */
  waitFor(match: (message: RpcMessage) => boolean, count?: number): Promise<RpcMessage[]>;
  /** Closes stdin and returns the exit code. */
  end(): Promise<number | null>;
}

export const INITIALIZE = {
  jsonrpc: '2.0',
  id: 'init',
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1.0.0' } },
};

export async function openRawSession(env: Record<string, string>, timeout = 20_000): Promise<RawSession> {
  const child = spawnCli(['serve'], env);
  const messages: RpcMessage[] = [];
  const stray: string[] = [];
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const parsed = JSON.parse(line) as RpcMessage | RpcMessage[];
        messages.push(...(Array.isArray(parsed) ? parsed : [parsed]));
      } catch {
        stray.push(line);
      }
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // A server that died mid-test shows in the assertions; writing to it must not crash the runner.
  child.stdin.on('error', () => {});
  const session: RawSession = {
    child,
    messages: () => messages,
    strayLines: () => stray,
    stderr: () => stderr,
    write: (line) => {
      child.stdin.write(line.endsWith('\n') ? line : `${line}\n`);
    },
    async call(request) {
      session.write(JSON.stringify(request));
      const [answer] = await session.waitFor((message) => message.id === request.id && !message.method);
      return answer!;
    },
    async waitFor(match, count = 1) {
      // A plain loop rather than expect.poll, so it also serves beforeAll hooks.
      const deadline = Date.now() + timeout;
      while (messages.filter(match).length < count) {
        if (Date.now() > deadline) throw new Error(`no answer within ${timeout} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return messages.filter(match);
    },
    async end() {
      child.stdin.end();
      return exited(child);
    },
  };
  await session.call(INITIALIZE);
  session.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
  return session;
}
