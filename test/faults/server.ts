/**
 * A built server process (`dist/cli.js serve`) on a given store, driven by the real MCP client
 * over stdio, that a campaign can SIGKILL at any moment; and the few tool calls the campaigns
 * make, with their answers sorted into acknowledged, refused (an isError result) and cut off.
 */
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { CLI } from '../cli/spawn.js';

/** The fields a campaign sets and checks; the rest (ids, dates) the server assigns. */
export interface Fields {
  content: string;
  title: string;
  summary: string;
  tags: string[];
  importance: number;
  source: string;
}

export interface StoredMemory extends Fields {
  id: string;
  updated_at: string;
}

export type Outcome<T> =
  | { kind: 'ok'; value: T }
  /** The server answered with isError: it says the write did not happen, and why. */
  | { kind: 'refused'; text: string }
  /**
   * No answer: the process died (or the connection closed) first. `deferred`: a draining HTTP
   * server answered 503, which says nothing of the call ran (a check holds it to that).
   */
  | { kind: 'cut'; error: unknown; deferred: boolean };

export interface Server {
  name: string;
  client: Client;
  /** The process id, once spawned. */
  pid(): number | null;
  /** What the process wrote to stderr so far (its log), for failure messages. */
  stderr(): string;
  /** Resolves once connect() has finished, or rejects when the process died first. */
  ready: Promise<void>;
  kill(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Speak the 2026-07-28 protocol instead of the 2025 one. */
  modern?: boolean;
}

export function startServer(env: Record<string, string>, name: string, options: StartOptions = {}): Server {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve'],
    env,
    stderr: 'pipe',
  });
  let log = '';
  transport.stderr?.on('data', (chunk) => {
    log += chunk;
  });
  const client = new Client(
    { name, version: '1.0.0' },
    options.modern ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {},
  );
  const ready = client.connect(transport);
  // A campaign that kills before connect() settles handles the rejection through `ready`.
  ready.catch(() => {});
  return {
    name,
    client,
    pid: () => transport.pid,
    stderr: () => log,
    ready,
    kill: () => {
      const pid = transport.pid;
      if (pid !== null) process.kill(pid, 'SIGKILL');
    },
    close: () => client.close(),
  };
}

async function call<T>(server: Server, name: string, args: Record<string, unknown>): Promise<Outcome<T>> {
  try {
    const result = await server.client.callTool({ name, arguments: args });
    if (result.isError) {
      const text = (result.content as { type: string; text?: string }[])
        .map((part) => part.text ?? '')
        .join(' ');
      return { kind: 'refused', text };
    }
    return { kind: 'ok', value: result.structuredContent as T };
  } catch (error) {
    return { kind: 'cut', error, deferred: (error as { status?: unknown }).status === 503 };
  }
}

/** The one answer a call must have had: a campaign's own reads never fail. */
function must<T>(outcome: Outcome<T>, what: string, server: Server): T {
  if (outcome.kind === 'ok') return outcome.value;
  const why = outcome.kind === 'refused' ? outcome.text : String(outcome.error);
  throw new Error(`${server.name}: ${what} failed: ${why}\n--- server log ---\n${server.stderr()}`);
}

export const createMemory = (server: Server, fields: Fields) =>
  call<StoredMemory & { deduplicated: boolean }>(server, 'create_memory', { ...fields });

export const updateMemory = (
  server: Server,
  id: string,
  patch: Partial<Fields>,
  expectedUpdatedAt?: string,
) =>
  call<StoredMemory>(server, 'update_memory', {
    id,
    ...patch,
    ...(expectedUpdatedAt === undefined ? {} : { expected_updated_at: expectedUpdatedAt }),
  });

export const deleteMemories = (server: Server, ids: string[]) =>
  call<{ deleted: string[]; not_found: string[] }>(server, 'delete_memories', { ids });

export async function readMemories(
  server: Server,
  ids: readonly string[],
): Promise<{ memories: StoredMemory[]; not_found: string[] }> {
  const found: StoredMemory[] = [];
  const notFound: string[] = [];
  for (let at = 0; at < ids.length; at += 20) {
    const page = must(
      await call<{ memories: StoredMemory[]; not_found: string[] }>(server, 'read_memories', {
        ids: ids.slice(at, at + 20),
      }),
      'read_memories',
      server,
    );
    found.push(...page.memories);
    notFound.push(...page.not_found);
  }
  return { memories: found, not_found: notFound };
}

/** The ids a search finds (up to 50 hits). */
export async function searchIds(server: Server, query: string): Promise<string[]> {
  const page = must(
    await call<{ memories: { id: string }[] }>(server, 'search_memories', { query, limit: 50 }),
    `search_memories "${query}"`,
    server,
  );
  return page.memories.map((memory) => memory.id);
}

/**
 * Every memory in the store, in full: the empty search (most recent first) paged to the end, then
 * read; `ghosts` are ids the search listed that read_memories does not find.
 */
export async function readAll(server: Server): Promise<{ memories: StoredMemory[]; ghosts: string[] }> {
  const ids = new Set<string>();
  let cursor: string | undefined;
  do {
    const page = must(
      await call<{ memories: { id: string }[]; next_cursor: string | null }>(server, 'search_memories', {
        limit: 50,
        ...(cursor ? { cursor } : {}),
      }),
      'search_memories (all)',
      server,
    );
    for (const memory of page.memories) ids.add(memory.id);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  const { memories, not_found } = await readMemories(server, [...ids]);
  return { memories, ghosts: not_found };
}

/** The memory count memoram://status reports. */
export async function statusCount(server: Server): Promise<number | null> {
  const result = await server.client.readResource({ uri: 'memoram://status' });
  const first = result.contents[0];
  const text = first && 'text' in first ? first.text : '';
  return (JSON.parse(text) as { memory_count: number | null }).memory_count;
}

/** The fields of `memory` that differ from `expected` (none: it is exactly what was written). */
export function differences(expected: Fields, memory: Fields): string[] {
  const keys: (keyof Fields)[] = ['content', 'title', 'summary', 'tags', 'importance', 'source'];
  return keys.filter((key) => JSON.stringify(expected[key]) !== JSON.stringify(memory[key]));
}
