// The two servers the bench runs side by side, each spawned over stdio and driven by the real MCP
// client: memoram-mcp (the built dist/cli.js) and the official reference server
// @modelcontextprotocol/server-memory. Each is described by how it is spawned on a store and how
// its search and create calls are spelt, so the measures in local.mjs treat both alike.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { asEntity } from './corpus.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const cli = path.join(root, 'dist', 'cli.js');
const require = createRequire(import.meta.url);
const serverMemoryBin = path.join(
  path.dirname(require.resolve('@modelcontextprotocol/server-memory/package.json')),
  'dist',
  'index.js',
);

/** memoram-mcp on the local store in `dir` (its data and config directories). */
export const memoram = {
  name: 'memoram-mcp',
  spawn: (dir) => ({
    command: process.execPath,
    args: [cli, 'serve'],
    env: {
      PATH: process.env.PATH,
      MEMORAM_DATA_DIR: path.join(dir, 'data'),
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_BACKEND: 'local',
      MEMORAM_LOG_LEVEL: 'warn',
      MEMORAM_EMBEDDINGS: 'off',
    },
  }),
  search: (query) => ({ name: 'search_memories', arguments: { query, limit: 10 } }),
  create: (memory) => ({ name: 'create_memory', arguments: memory }),
};

/**
 * server-memory on the knowledge graph file in `dir`. Its search returns every matching entity,
 * twice (as text and as structured content): at 100,000 memories a common word's answer passes
 * the client's default 10 MiB cap on one stdio message, which would end the session, so the bench
 * lifts the cap for it and counts the answers that passed it.
 */
export const serverMemory = {
  name: 'server-memory',
  maxBufferSize: 1024 ** 3,
  spawn: (dir) => ({
    command: process.execPath,
    args: [serverMemoryBin],
    env: { PATH: process.env.PATH, MEMORY_FILE_PATH: path.join(dir, 'memory.jsonl') },
  }),
  search: (query) => ({ name: 'search_nodes', arguments: { query } }),
  create: (memory, index) => ({
    name: 'create_entities',
    arguments: { entities: [asEntity(memory, index)] },
  }),
};

/**
 * Spawns `server` on `dir` and initializes an MCP session; `started` is when the spawn began.
 * stderr is dropped: both servers log there, and the bench prints only its tables.
 */
export async function connect(server, dir) {
  const started = performance.now();
  const transport = new StdioClientTransport({
    ...server.spawn(dir),
    maxBufferSize: server.maxBufferSize,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'memoram-bench', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, started, initializedAt: performance.now() };
}

/** The client's default cap on one stdio message (STDIO_DEFAULT_MAX_BUFFER_SIZE in the SDK). */
export const DEFAULT_MESSAGE_CAP = 10 * 1024 * 1024;

/**
 * Calls a tool and returns how long the answer took, in ms; an error result stops the bench.
 * With `sizes`, pushes the answer's size (characters of its JSON) there, measured after the timing.
 */
export async function timedCall(client, call, sizes) {
  const started = performance.now();
  const result = await client.callTool(call, { timeout: 600_000 });
  const elapsed = performance.now() - started;
  if (result.isError) throw new Error(`${call.name} failed: ${JSON.stringify(result.content).slice(0, 500)}`);
  sizes?.push(JSON.stringify(result).length);
  return elapsed;
}

/** Resident memory of a process, in MiB (VmRSS from /proc; Linux only, NaN elsewhere). */
export async function rssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}
