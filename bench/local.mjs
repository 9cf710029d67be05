// One size of the local benchmark: memoram-mcp and server-memory seeded with the same corpus, then
// measured over stdio with the real MCP client, turn and turn about, so both see the same machine
// (this one is shared and noisy): cold start, the first search right after a start, warm search
// latency, resident memory, and creates into the full store. memoram-mcp is seeded by its own
// `import` command (timed: the import measure); server-memory through its JSONL file.
// server-memory reads its whole file at every call and returns every match, which at 100,000
// memories takes seconds per call: its share of each phase is bounded in time (`budgetMs`), and
// the table says how many calls its figures rest on.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { memories, queries, writeCorpusFiles } from './corpus.mjs';
import { cli, connect, memoram, rssMiB, serverMemory, timedCall } from './servers.mjs';
import { summarize } from './stats.mjs';

export const SEARCH = { warmUp: 200, measured: 1000, blocks: 5 };
export const CREATE = { warmUp: 50, measured: 200, blocks: 5 };

/** Runs `memoram-mcp import FILE` on the store in `dir`; resolves to its wall time and report line. */
function importFile(dir, file) {
  const { env } = memoram.spawn(dir);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, 'import', file], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`import exited ${code}: ${stderr.slice(-2000)}`));
      else resolve({ ms, report: stderr.trim().split('\n').at(-1) ?? '' });
    });
  });
}

/** Spawn to tools/list answered, `runs` times each, alternating which server goes first. */
async function coldStarts(dirs, runs) {
  const times = { ours: [], theirs: [] };
  let toolsListChars = 0;
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const side of order) {
      const { client, started } = await connect(dirs[side].server, dirs[side].dir);
      const tools = await client.listTools();
      times[side].push(performance.now() - started);
      if (side === 'ours') toolsListChars = JSON.stringify(tools).length;
      await client.close();
    }
  }
  return { ours: summarize(times.ours), theirs: summarize(times.theirs), toolsListChars };
}

/** Spawn, initialize, then one search at once: the search's own time and spawn to its answer. */
async function firstSearches(dirs, runs, query) {
  const times = { ours: { search: [], total: [] }, theirs: { search: [], total: [] } };
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? ['ours', 'theirs'] : ['theirs', 'ours'];
    for (const side of order) {
      const { server, dir } = dirs[side];
      const { client, started } = await connect(server, dir);
      times[side].search.push(await timedCall(client, server.search(query)));
      times[side].total.push(performance.now() - started);
      await client.close();
    }
  }
  const sum = (t) => ({ search: summarize(t.search), total: summarize(t.total) });
  return { ours: sum(times.ours), theirs: sum(times.theirs) };
}

/**
 * Runs `calls` (a list of tool calls) on both sessions in `blocks` interleaved blocks after
 * `warmUp` untimed ones; ours runs all of them, theirs as many as fit in `budgetMs` (at least one
 * per block). Returns every timed latency and each block's median, per side.
 */
async function interleaved(sessions, callsFor, { warmUp, measured, blocks }, budgetMs) {
  const result = { ours: { times: [], blocks: [] }, theirs: { times: [], blocks: [] } };
  const ours = callsFor('ours', warmUp + measured);
  const theirs = callsFor('theirs', warmUp + measured);
  for (const call of ours.slice(0, warmUp)) await timedCall(sessions.ours, call);
  // Theirs warms up within a tenth of its budget, at least once.
  const warmUntil = performance.now() + budgetMs / 10;
  let next = 0;
  do await timedCall(sessions.theirs, theirs[next++]);
  while (next < warmUp && performance.now() < warmUntil);
  next = warmUp;
  const perBlock = measured / blocks;
  for (let block = 0; block < blocks; block++) {
    const mine = [];
    for (const call of ours.slice(warmUp + block * perBlock, warmUp + (block + 1) * perBlock)) {
      mine.push(await timedCall(sessions.ours, call));
    }
    result.ours.times.push(...mine);
    result.ours.blocks.push(summarize(mine).p50);
    const theirsUntil = performance.now() + (budgetMs * 0.9) / blocks;
    const other = [];
    do other.push(await timedCall(sessions.theirs, theirs[next++]));
    while (next < warmUp + (block + 1) * perBlock && performance.now() < theirsUntil);
    result.theirs.times.push(...other);
    result.theirs.blocks.push(summarize(other).p50);
  }
  const sum = ({ times, blocks: medians }) => ({ ...summarize(times), blockP50: summarize(medians) });
  return { ours: sum(result.ours), theirs: sum(result.theirs) };
}

/**
 * Measures one size. `runs` is the number of cold starts and first searches per server;
 * `budgetMs` bounds server-memory's share of the search phase and of the create phase.
 */
export async function measureSize(count, { runs, budgetMs, log }) {
  const base = await mkdtemp(path.join(os.tmpdir(), `memoram-bench-${count}-`));
  const dirs = {
    ours: { server: memoram, dir: path.join(base, 'ours') },
    theirs: { server: serverMemory, dir: path.join(base, 'theirs') },
  };
  try {
    await mkdir(dirs.ours.dir);
    await mkdir(dirs.theirs.dir);
    const exportFile = path.join(base, 'export.json');
    log(`${count}: writing the corpus`);
    await writeCorpusFiles(count, exportFile, path.join(dirs.theirs.dir, 'memory.jsonl'));
    log(`${count}: memoram-mcp import`);
    const imported = await importFile(dirs.ours.dir, exportFile);
    log(`${count}: import took ${(imported.ms / 1000).toFixed(1)} s (${imported.report})`);
    await rm(exportFile);

    log(`${count}: cold starts`);
    const cold = await coldStarts(dirs, runs);
    log(`${count}: first searches`);
    const first = await firstSearches(dirs, runs, queries(1, 99)[0]);

    log(`${count}: searches`);
    const sessions = {};
    const transports = {};
    for (const side of ['ours', 'theirs']) {
      const { client, transport } = await connect(dirs[side].server, dirs[side].dir);
      await client.listTools();
      sessions[side] = client;
      transports[side] = transport;
    }
    const list = queries(SEARCH.warmUp + SEARCH.measured, 7);
    const search = await interleaved(
      sessions,
      (side) => list.map((query) => dirs[side].server.search(query)),
      SEARCH,
      budgetMs,
    );
    const rss = { ours: await rssMiB(transports.ours.pid), theirs: await rssMiB(transports.theirs.pid) };

    log(`${count}: creates`);
    const fresh = [...memories(CREATE.warmUp + CREATE.measured, { seed: 4242, from: 1_000_000 })];
    const create = await interleaved(
      sessions,
      (side) => fresh.map((memory, index) => dirs[side].server.create(memory, 1_000_000 + index)),
      CREATE,
      budgetMs,
    );
    await sessions.ours.close();
    await sessions.theirs.close();
    return { count, imported, cold, first, search, rss, create };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
