// The Memoram replica's benchmark: an account of `count` memories on the emulator (started in this
// process, real HTTP on 127.0.0.1), seeded through the server's create_memory over stdio;
// one server start fills the replica; then, `runs` times, a restart and a search at once after
// initialize. The emulator's request log, cleared before each restart and read the moment the
// search answers, tells whether that answer waited for Memoram: a replica answers before any
// HTTP request. The answer must hold hits, so an empty replica cannot pass for a fast one.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { memories } from './corpus.mjs';
import { authorize, control, requestLog } from './remote.mjs';
import { cli } from './servers.mjs';
import { summarize } from './stats.mjs';

const root = path.dirname(path.dirname(cli));
const QUIET_MS = 1000;
const SETTLE_LIMIT_MS = 300_000;
const IN_FLIGHT = 8;

function remoteEnv(emu, home) {
  return {
    PATH: process.env.PATH,
    HOME: home,
    MEMORAM_API_URL: emu.apiUrl,
    MEMORAM_API_KEY: emu.apiKey,
    MEMORAM_CONFIG_DIR: path.join(home, 'config'),
    MEMORAM_DATA_DIR: path.join(home, 'data'),
    MEMORAM_LOG_LEVEL: 'warn',
    MEMORAM_EMBEDDINGS: 'off',
  };
}

async function start(emu, home) {
  const started = performance.now();
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [cli, 'serve'],
    env: remoteEnv(emu, home),
    stderr: 'ignore',
  });
  const client = new Client({ name: 'memoram-bench-replica', version: '1.0.0' });
  await client.connect(transport);
  return { client, started };
}

/**
 * Fills the account through the real server: create_memory over stdio, IN_FLIGHT calls at a time
 * (a remote create is one round trip to Memoram, so one at a time would take minutes at 10,000).
 */
async function seed(client, count) {
  const started = performance.now();
  const source = memories(count);
  const worker = async () => {
    for (let next = source.next(); !next.done; next = source.next()) {
      const result = await client.callTool({ name: 'create_memory', arguments: next.value });
      if (result.isError) throw new Error(`seeding create failed: ${JSON.stringify(result.content)}`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return performance.now() - started;
}

/** Waits until the emulator has seen no request for QUIET_MS (the replica's fill is over). */
async function settle(emu) {
  const until = performance.now() + SETTLE_LIMIT_MS;
  let seen = -1;
  while (performance.now() < until) {
    const now = (await requestLog(emu)).length;
    if (now === seen) return;
    seen = now;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }
  throw new Error('the server kept calling Memoram for 5 minutes after its start');
}

export async function replicaBench(count, { runs, log }) {
  const { startEmulator } = await import(pathToFileURL(path.join(root, 'dist', 'emulator', 'index.js')).href);
  const emu = await startEmulator({ port: 0 });
  const home = await mkdtemp(path.join(os.tmpdir(), 'memoram-bench-replica-'));
  try {
    const first = await start(emu, home);
    await authorize(emu, first.client);
    log(`replica ${count}: seeding the account, ${IN_FLIGHT} create_memory calls in flight`);
    const seedMs = await seed(first.client, count);
    await first.client.close();
    log(`replica ${count}: seeded in ${(seedMs / 1000).toFixed(1)} s`);
    const [sample] = memories(1);
    const query = sample.content.split(' ')[0];

    // One start to fill the replica; its end is when the server stops calling Memoram.
    const filling = await start(emu, home);
    await filling.client.callTool({ name: 'search_memories', arguments: { query } });
    await settle(emu);
    await filling.client.close();

    const times = [];
    const before = [];
    const hits = [];
    for (let run = 0; run < runs; run++) {
      await control(emu, 'requests', { method: 'DELETE' });
      const { client } = await start(emu, home);
      const started = performance.now();
      const result = await client.callTool({ name: 'search_memories', arguments: { query, limit: 10 } });
      times.push(performance.now() - started);
      before.push((await requestLog(emu)).length);
      if (result.isError) throw new Error(`replica search failed: ${JSON.stringify(result.content)}`);
      hits.push(result.structuredContent?.memories?.length ?? 0);
      await client.close();
    }
    return {
      count,
      seedMs,
      search: summarize(times),
      requestsBefore: Math.max(...before),
      hits: Math.min(...hits),
    };
  } finally {
    await emu.close();
    await rm(home, { recursive: true, force: true });
  }
}
