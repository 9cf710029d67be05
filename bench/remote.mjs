#!/usr/bin/env node
// The remote backend's benchmark: the built server (dist/) spawned over stdio with the real MCP
// client, against the emulator started in this process (real HTTP on 127.0.0.1), authorized with
// the demo user's memory key and an approval through the control API. Measures, from the
// emulator's request log: HTTP requests per operation after warm-up, and TCP connections opened
// for 100 sequential tool calls; and the p50 latency of each operation, without and with 20 ms
// added to every request (the emulator's delay fault on every API route).
// `remoteBench()` returns the Markdown table (bench/run.mjs appends it to bench/results.md);
// run alone: npm run build && node bench/remote.mjs
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const cli = path.join(root, 'dist', 'cli.js');

/** Every route of the REST contract a server can call (OAuth pages aside), for the delay faults. */
const API_ROUTES = [
  'POST /auth/token',
  'POST /access-requests',
  'GET /access-requests',
  'GET /access-requests/{requestId}',
  'GET /access-requests/{requestId}/credentials',
  'GET /memory-blobs',
  'POST /memory-blobs',
  'GET /memory-blobs/{blobId}',
  'PATCH /memory-blobs/{blobId}',
  'DELETE /memory-blobs/{blobId}',
  'GET /tags',
  'GET /tags/{tagId}',
];
const ADDED_LATENCY_MS = 20;
const SEEDED = 200;
const CALLS = 50;

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const ms = (value) => `${value.toFixed(1)} ms`;

const TOPICS = ['coffee', 'trains', 'jazz', 'gardening', 'chess', 'sailing', 'baking', 'hiking'];
let serial = 0;
const memory = () => {
  serial += 1;
  const topic = TOPICS[serial % TOPICS.length];
  return {
    content: `Note ${serial}: the user keeps coming back to ${topic}, most recently on day ${serial}.`,
    title: `${topic} note ${serial}`,
    tags: [topic],
  };
};

export async function control(emu, route, { method = 'POST', body } = {}) {
  const response = await fetch(`${emu.origin}/__emulator/${route}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok)
    throw new Error(`control ${method} ${route}: ${response.status} ${await response.text()}`);
  return response.json();
}
export const requestLog = async (emu) => (await control(emu, 'requests', { method: 'GET' })).requests;

export async function call(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${JSON.stringify(result.content)}`);
  return result.structuredContent;
}

/** Files the access request through authorize and approves it in the "dashboard" as soon as it exists. */
export async function authorize(emu, client) {
  const calling = call(client, 'authorize', { memory_key: emu.demoUser.memory_key });
  let pending;
  while (!pending) {
    const { access_requests } = await control(emu, 'state', { method: 'GET' });
    pending = access_requests.find((request) => request.status === 'pending');
    if (!pending) await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await control(emu, `access-requests/${pending.id}/approve`);
  let state = await calling;
  for (let attempt = 0; state.state === 'awaiting_approval' && attempt < 5; attempt++) {
    state = await call(client, 'authorize', {});
  }
  if (state.state !== 'authorized') throw new Error(`authorize ended ${state.state}: ${state.message}`);
}

/** One call of each measured operation; `pool` holds ids the operations work on. */
function operations(client, pool) {
  let turn = 0;
  const nextId = () => pool[turn++ % pool.length];
  return {
    search_memories: () => call(client, 'search_memories', { query: TOPICS[turn++ % TOPICS.length] }),
    read_memories: () => call(client, 'read_memories', { ids: [nextId()] }),
    create_memory: async () => pool.push((await call(client, 'create_memory', memory())).id),
    update_memory: () => call(client, 'update_memory', { id: nextId(), ...memory(), tags: undefined }),
    delete_memories: () => call(client, 'delete_memories', { ids: [pool.pop()] }),
  };
}

/** HTTP requests each operation costs, over `rounds` calls of it, and the routes they went to. */
async function requestsPerOperation(emu, ops, rounds) {
  const rows = [];
  for (const [name, run] of Object.entries(ops)) {
    const before = (await requestLog(emu)).length;
    for (let i = 0; i < rounds; i++) await run();
    const sent = (await requestLog(emu)).slice(before);
    const routes = [...new Set(sent.map((request) => request.route))].join(', ');
    rows.push({ name, perCall: sent.length / rounds, routes });
  }
  return rows;
}

/** Distinct TCP connections behind the HTTP requests of 100 sequential tool calls. */
async function connectionsFor100Calls(emu, ops) {
  const before = (await requestLog(emu)).length;
  const cycle = ['create_memory', 'read_memories', 'update_memory', 'search_memories', 'delete_memories'];
  for (let i = 0; i < 100; i++) await ops[cycle[i % cycle.length]]();
  const sent = (await requestLog(emu)).slice(before);
  return { requests: sent.length, connections: new Set(sent.map((request) => request.connection)).size };
}

async function latencies(ops) {
  const p50 = {};
  // Creates first, so there are memories for the deletes to remove.
  for (const name of [
    'create_memory',
    'read_memories',
    'update_memory',
    'search_memories',
    'delete_memories',
  ]) {
    const times = [];
    for (let i = 0; i < CALLS; i++) {
      const started = performance.now();
      await ops[name]();
      times.push(performance.now() - started);
    }
    p50[name] = percentile(times, 50);
  }
  return p50;
}

export async function remoteBench() {
  const { startEmulator } = await import(pathToFileURL(path.join(root, 'dist', 'emulator', 'index.js')).href);
  const emu = await startEmulator({ port: 0 });
  const home = await mkdtemp(path.join(os.tmpdir(), 'memoram-bench-remote-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'serve'],
    env: {
      PATH: process.env.PATH,
      HOME: home,
      MEMORAM_API_URL: emu.apiUrl,
      MEMORAM_API_KEY: emu.apiKey,
      MEMORAM_CONFIG_DIR: path.join(home, 'config'),
      MEMORAM_DATA_DIR: path.join(home, 'data'),
      MEMORAM_LOG_LEVEL: 'warn',
      MEMORAM_EMBEDDINGS: 'off',
    },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'memoram-bench-remote', version: '1.0.0' });
  try {
    await client.connect(transport);
    await authorize(emu, client);
    const pool = [];
    const ops = operations(client, pool);
    for (let i = 0; i < SEEDED; i++) await ops.create_memory();
    // Warm-up: the index is filled, the JWT fetched, the keep-alive connection open.
    for (const run of Object.values(ops)) await run();
    await ops.create_memory();

    const perOperation = await requestsPerOperation(emu, ops, 10);
    const sockets = await connectionsFor100Calls(emu, ops);
    const local = await latencies(ops);
    for (const route of API_ROUTES) {
      await control(emu, 'faults', { body: { route, count: 1_000_000, delayMs: ADDED_LATENCY_MS } });
    }
    const delayed = await latencies(ops);
    await control(emu, 'faults', { method: 'DELETE' });

    const target = { search_memories: 0 };
    const rows = [
      ...perOperation.map(({ name, perCall, routes }) => [
        `HTTP requests per \`${name}\` after warm-up${routes ? ` (${routes})` : ''}`,
        String(perCall),
        String(target[name] ?? 1),
      ]),
      [
        'TCP connections for 100 sequential tool calls',
        `${sockets.connections} (for ${sockets.requests} requests)`,
        '1',
      ],
      ...Object.keys(delayed).map((name) => [
        `\`${name}\` p50 with ${ADDED_LATENCY_MS} ms added per request (without)`,
        `${ms(delayed[name])} (${ms(local[name])})`,
        name === 'search_memories' ? 'no round trip' : `one round trip (≈ ${ADDED_LATENCY_MS} ms)`,
      ]),
    ];
    return [
      `Remote backend on the emulator (${SEEDED}+ memories; stdio; p50 of ${CALLS} calls each):`,
      '',
      '| measure | result | target |',
      '| --- | --- | --- |',
      ...rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
  } finally {
    await client.close();
    await emu.close();
    await rm(home, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${await remoteBench()}\n`);
}
