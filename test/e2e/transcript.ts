/**
 * What the end-to-end test lets a person or a model see, gathered in one place: every line each
 * spawned server wrote to stdout and stderr, every tool result the client got, and the output of
 * the one-shot commands (status, logout). The secret scan runs over all of it.
 *
 * The server is spawned by the SDK's StdioClientTransport, as an MCP client would. Its stdout is
 * tapped as raw bytes because the transport's line reader silently skips lines that are not JSON,
 * so a stray console.log would otherwise go unnoticed; the transport keeps its child process
 * private, hence the one narrow cast below (checked, so an SDK change fails loudly).
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const CLI = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

type ToolResult = Awaited<ReturnType<Client['callTool']>>;

export interface Session {
  client: Client;
  /** Resolves with the exit code and signal once the server process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Calls a tool, recording the result in the transcript. */
  call(
    name: string,
    args?: Record<string, unknown>,
    onProgress?: (message: string) => void,
  ): Promise<ToolResult>;
  close(): Promise<void>;
}

export class Transcript {
  /** Raw stdout of every server, split into lines (the final empty piece dropped). */
  private readonly stdoutChunks: string[] = [];
  stderr = '';
  /** Everything the one-shot commands printed, stdout and stderr. */
  commands = '';
  readonly results: { tool: string; result: ToolResult }[] = [];

  stdoutLines(): string[] {
    return this.stdoutChunks.flatMap((text) => text.split('\n').filter((line) => line.length > 0));
  }

  async startServer(env: Record<string, string>, name: string): Promise<Session> {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [CLI, 'serve'],
      env,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk) => {
      this.stderr += String(chunk);
    });
    let stdout = '';
    let exited!: Session['exited'];
    const start = transport.start.bind(transport);
    // Tapped as soon as the process exists, before the client sends initialize.
    transport.start = async () => {
      await start();
      const child = (transport as unknown as { _process?: ChildProcess })._process;
      if (!child?.stdout) throw new Error('StdioClientTransport no longer exposes its child process');
      child.stdout.on('data', (chunk) => {
        stdout += String(chunk);
      });
      exited = new Promise((resolve) => {
        // 'close', not 'exit': by then stdout has been read to its end.
        child.once('close', (code, signal) => {
          this.stdoutChunks.push(stdout);
          resolve({ code, signal });
        });
      });
    };
    const client = new Client({ name, version: '1.0.0' });
    await client.connect(transport);
    return {
      client,
      exited,
      call: async (tool, args = {}, onProgress) => {
        const result = await client.callTool(
          { name: tool, arguments: args },
          onProgress ? { onprogress: (update) => onProgress(update.message ?? '') } : {},
        );
        this.results.push({ tool, result });
        return result;
      },
      close: async () => {
        await client.close();
        await exited;
      },
    };
  }
}

/** The text of a tool result (its first content block), for asserting on what the model reads. */
export function textOf(result: ToolResult): string {
  const [first] = result.content as { type: string; text?: string }[];
  return first?.type === 'text' ? (first.text ?? '') : '';
}

/**
 * `value` without the memory plaintext the model asked for: the `content` of each memory in a
 * read_memories result and the `snippet` of each search hit. Both results are recognised by shape
 * ({memories, not_found}, and any other {memories} for a search page, whose cursor is left out on
 * its last page), wherever they sit: as structuredContent, as the JSON text block that repeats it,
 * or inside a JSON-RPC response line.
 */
export function withoutRequestedPlaintext(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!value.startsWith('{')) return value;
    try {
      return JSON.stringify(withoutRequestedPlaintext(JSON.parse(value)));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(withoutRequestedPlaintext);
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  // read_memories answers not_found beside its memories; a search page (whose next_cursor is
  // left out on the last page) does not.
  const allowed = Array.isArray(record.memories)
    ? 'not_found' in record
      ? 'content'
      : 'snippet'
    : undefined;
  return Object.fromEntries(
    Object.entries(record).map(([key, item]) => {
      if (key === 'memories' && allowed && Array.isArray(item)) {
        return [key, item.map((memory) => ({ ...memory, [allowed]: '[asked for]' }))];
      }
      return [key, withoutRequestedPlaintext(item)];
    }),
  );
}
