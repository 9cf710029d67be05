#!/usr/bin/env node
// Benchmarks of the built server (dist/), over real stdio with the real MCP client: search latency at
// 1,000 and 10,000 memories, cold start, create throughput, resident memory and the size of the
// tools/list answer; then the remote backend's table (bench/remote.mjs). Prints the Markdown tables and
// writes them to bench/results.md. Run: npm run bench
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');
const { openLocalBackend } = await import(path.join(root, 'dist', 'backends', 'local.js'));
const { MemoryService } = await import(path.join(root, 'dist', 'memory', 'service.js'));

const WORDS = Array.from({ length: 3000 }, (_, i) => word(i));
function word(i) {
  const syllables = [
    'ka',
    'lo',
    'mi',
    'ra',
    'te',
    'su',
    'no',
    'vi',
    'de',
    'po',
    'an',
    'el',
    'or',
    'ix',
    'um',
  ];
  let n = i + 7;
  let out = '';
  do {
    out += syllables[n % syllables.length];
    n = Math.floor(n / syllables.length);
  } while (n > 0);
  return out;
}
let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const pick = () => WORDS[Math.floor(random() ** 2 * WORDS.length)];
const sentence = (n) => Array.from({ length: n }, pick).join(' ');
const memory = (i) => ({
  content: `${sentence(20 + Math.floor(random() * 40))} (note ${i})`,
  title: sentence(3 + Math.floor(random() * 4)),
  tags: [pick(), pick()],
  importance: Math.round(random() * 100) / 100,
});

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value) => `${value.toFixed(2)} ms`;

async function seedStore(dir, count) {
  const backend = await openLocalBackend({
    storeFile: path.join(dir, 'memories.db'),
    configDir: path.join(dir, 'config'),
  });
  const service = new MemoryService(backend);
  const started = performance.now();
  for (let i = 0; i < count; i++) await service.create(memory(i));
  // A create leaves its text to be indexed once the event loop is free, which this loop never lets
  // it be: one search indexes the rest inside the timing.
  await service.search({ query: 'note' });
  const perSecond = count / ((performance.now() - started) / 1000);
  await service.close();
  return perSecond;
}

async function connect(dir) {
  const started = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'serve'],
    env: {
      PATH: process.env.PATH,
      MEMORAM_DATA_DIR: dir,
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_LOG_LEVEL: 'warn',
    },
    stderr: 'ignore',
  });
  const client = new Client({ name: 'memoram-bench', version: '1.0.0' });
  await client.connect(transport);
  const tools = await client.listTools();
  const coldStartMs = performance.now() - started;
  return { client, transport, coldStartMs, toolsListChars: JSON.stringify(tools).length };
}

async function rssMiB(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kib / 1024;
}

// A server lives as long as its client's session: latency is measured once it is warm. The first
// calls after a start also pay for loading the store into the index, the collection of the garbage
// that leaves, and V8 compiling the hot paths; WARM_UP calls (other queries) absorb that first.
const WARM_UP = 200;
const MEASURED = 1000;

const FIRST_CALL_AFTER_MS = 2000;

async function timedSearch(client, query) {
  const started = performance.now();
  const result = await client.callTool({ name: 'search_memories', arguments: { query, limit: 10 } });
  if (result.isError) throw new Error(`search failed: ${JSON.stringify(result.content)}`);
  return performance.now() - started;
}

async function searchLatency(client, queries) {
  const times = [];
  for (const [at, query] of queries.entries()) {
    const started = performance.now();
    const result = await client.callTool({ name: 'search_memories', arguments: { query, limit: 10 } });
    if (at >= WARM_UP) times.push(performance.now() - started);
    if (result.isError) throw new Error(`search failed: ${JSON.stringify(result.content)}`);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95) };
}

async function measureStore(count) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `memoram-bench-${count}-`));
  try {
    const seedRate = await seedStore(dir, count);
    // The first search after a start: at once (it waits for the store to load into the index), and
    // on a server started FIRST_CALL_AFTER_MS earlier (which loads it in the background meanwhile).
    const eager = await connect(dir);
    const firstAtOnce = await timedSearch(eager.client, pick());
    await eager.client.close();
    const session = await connect(dir);
    await new Promise((resolve) => setTimeout(resolve, FIRST_CALL_AFTER_MS));
    const firstLater = await timedSearch(session.client, pick());
    const queries = Array.from({ length: WARM_UP + MEASURED }, () =>
      random() < 0.3 ? `${pick()} ${pick()}` : pick(),
    );
    const search = await searchLatency(session.client, queries);
    const rss = await rssMiB(session.transport.pid);
    await session.client.close();
    return {
      count,
      ...search,
      coldStartMs: session.coldStartMs,
      firstAtOnce,
      firstLater,
      rss,
      toolsListChars: session.toolsListChars,
      seedRate,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// Creates `total` memories in a new store over stdio, `inFlight` calls at a time, after WARM_UP
// creates that are not timed: 1 is a client waiting for each answer; more is a client (or several)
// sending calls without waiting.
async function createThroughput(total, inFlight) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'memoram-bench-create-'));
  try {
    const { client } = await connect(dir);
    let next = 0;
    const create = async (until) => {
      while (next < until) {
        const result = await client.callTool({
          name: 'create_memory',
          arguments: memory(1_000_000 + next++),
        });
        if (result.isError) throw new Error(`create failed: ${JSON.stringify(result.content)}`);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, () => create(WARM_UP)));
    const started = performance.now();
    await Promise.all(Array.from({ length: inFlight }, () => create(WARM_UP + total)));
    const perSecond = total / ((performance.now() - started) / 1000);
    await client.close();
    return perSecond;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const small = await measureStore(1_000);
const large = await measureStore(10_000);
const creates = await createThroughput(2_000, 1);
const pipelined = await createThroughput(2_000, 8);

const rows = [
  [
    `search_memories p50 / p95, 1,000 memories (stdio, ${MEASURED} queries after ${WARM_UP})`,
    `${ms(small.p50)} / ${ms(small.p95)}`,
    '',
  ],
  [
    `search_memories p50 / p95, 10,000 memories (stdio, ${MEASURED} queries after ${WARM_UP})`,
    `${ms(large.p50)} / ${ms(large.p95)}`,
    'p50 ≤ 2 ms',
  ],
  [
    'cold start, spawn to tools/list answered (empty store → 10,000)',
    `${ms(small.coldStartMs)} → ${ms(large.coldStartMs)}`,
    '',
  ],
  [
    `first search_memories after start, 10,000 memories: at once / ${FIRST_CALL_AFTER_MS / 1000} s after start`,
    `${ms(large.firstAtOnce)} / ${ms(large.firstLater)}`,
    '',
  ],
  [
    'create_memory throughput over stdio into a new store, 8 calls in flight (the server’s capacity)',
    `${Math.round(pipelined)} /s`,
    '≥ 1,000 /s',
  ],
  ['create_memory over stdio, one call at a time (bound by the round trip)', `${Math.round(creates)} /s`, ''],
  [
    'creates in process (MemoryService), filling a store to 1,000 / to 10,000',
    `${Math.round(small.seedRate)} /s / ${Math.round(large.seedRate)} /s`,
    '',
  ],
  [
    'resident memory, 1,000 / 10,000 memories',
    `${small.rss.toFixed(0)} MiB / ${large.rss.toFixed(0)} MiB`,
    '',
  ],
  ['tools/list answer size', `${large.toolsListChars} characters`, '≤ 8,000'],
];
const table = [
  '| measure | result | target |',
  '| --- | --- | --- |',
  ...rows.map((row) => `| ${row.join(' | ')} |`),
].join('\n');
const header = `Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString().slice(0, 10)}`;
const { remoteBench } = await import('./remote.mjs');
const remote = await remoteBench();
process.stdout.write(`${header}\n\n${table}\n\n${remote}\n`);
await writeFile(path.join(root, 'bench', 'results.md'), `${header}\n\n${table}\n\n${remote}\n`);
