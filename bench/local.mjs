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
import { cli, connect, DEFAULT_MESSAGE_CAP, memoram, rssMiB, serverMemory, timedCall } from './servers.mjs';
import { summarize } from './stats.mjs';

export const SEARCH = { warmUp: 200, measured: 1000, blocks: 5 };
export const CREATE = { warmUp: 50, measured: 200, blocks: 5 };

/** Runs `memoram-mcp import FILE` on the store in `dir`; resolves to its wall time and report line. */
export function importFile(dir, file, env = memoram.spawn(dir).env) {
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

/** The order of the servers in repeat `run`: alternating which goes first. */
const orderOf = (sides, run) => (run % 2 === 0 ? sides : [...sides].reverse());
const perSide = (sides, make) => Object.fromEntries(sides.map((side) => [side, make(side)]));

/** Spawn to tools/list answered, `runs` times each, alternating which server goes first. */
async function coldStarts(dirs, sides, runs) {
  const times = perSide(sides, () => []);
  let toolsListChars = 0;
  for (let run = 0; run < runs; run++) {
    for (const side of orderOf(sides, run)) {
      const { client, started } = await connect(dirs[side].server, dirs[side].dir);
      const tools = await client.listTools();
      times[side].push(performance.now() - started);
      if (side === 'ours') toolsListChars = JSON.stringify(tools).length;
      await client.close();
    }
  }
  return { ...perSide(sides, (side) => summarize(times[side])), toolsListChars };
}

/** Spawn, initialize, then one search at once: the search's own time and spawn to its answer. */
async function firstSearches(dirs, sides, runs, query) {
  const times = perSide(sides, () => ({ search: [], total: [] }));
  for (let run = 0; run < runs; run++) {
    for (const side of orderOf(sides, run)) {
      const { server, dir } = dirs[side];
      const { client, started } = await connect(server, dir);
      times[side].search.push(await timedCall(client, server.search(query)));
      times[side].total.push(performance.now() - started);
      await client.close();
    }
  }
  return perSide(sides, (side) => ({
    search: summarize(times[side].search),
    total: summarize(times[side].total),
  }));
}

/**
 * Runs the calls `callsFor(side)` lists on each session: `warmUp` untimed, then `measured` timed
 * in `blocks` blocks, the servers taking turns block by block. Ours runs all of them; theirs as
 * many as fit in `budgetMs` (at least one per block). Returns, per side, the latencies, each
 * block's median and the answers' sizes.
 */
export async function interleaved(sessions, callsFor, { warmUp, measured, blocks }, budgetMs) {
  const sides = Object.keys(sessions);
  const calls = perSide(sides, callsFor);
  const taken = perSide(sides, () => ({ times: [], blocks: [], sizes: [] }));
  const next = perSide(sides, () => 0);
  // One side's share of a phase: every call up to `until`, or (theirs) until its time is up.
  const run = async (side, until, deadline, record) => {
    const times = [];
    do {
      const elapsed = await timedCall(sessions[side], calls[side][next[side]++], record?.sizes);
      times.push(elapsed);
    } while (next[side] < until && (side === 'ours' || performance.now() < deadline));
    next[side] = until;
    if (record) {
      record.times.push(...times);
      record.blocks.push(summarize(times).p50);
    }
  };
  // Theirs warms up within a tenth of its budget (at least one call).
  for (const side of sides) await run(side, warmUp, performance.now() + budgetMs / 10);
  const perBlock = measured / blocks;
  for (let block = 1; block <= blocks; block++) {
    for (const side of orderOf(sides, block)) {
      await run(side, warmUp + block * perBlock, performance.now() + (budgetMs * 0.9) / blocks, taken[side]);
    }
  }
  return perSide(sides, (side) => ({
    ...summarize(taken[side].times),
    blockP50: summarize(taken[side].blocks),
    chars: summarize(taken[side].sizes),
    overCap: taken[side].sizes.filter((size) => size > DEFAULT_MESSAGE_CAP).length,
  }));
}

/**
 * Measures one size. `runs` is the number of cold starts and first searches per server;
 * `budgetMs` bounds server-memory's share of the search phase and of the create phase; without
 * `withTheirs` only memoram-mcp runs (the million line: server-memory would parse a 370 MB file
 * at every call).
 */
export async function measureSize(count, { runs, budgetMs, withTheirs, log }) {
  const base = await mkdtemp(path.join(os.tmpdir(), `memoram-bench-${count}-`));
  const dirs = {
    ours: { server: memoram, dir: path.join(base, 'ours') },
    theirs: { server: serverMemory, dir: path.join(base, 'theirs') },
  };
  const sides = withTheirs ? ['ours', 'theirs'] : ['ours'];
  const sessions = {};
  try {
    await mkdir(dirs.ours.dir);
    await mkdir(dirs.theirs.dir);
    const exportFile = path.join(base, 'export.json');
    log(`${count}: writing the corpus`);
    await writeCorpusFiles(
      count,
      exportFile,
      withTheirs ? path.join(dirs.theirs.dir, 'memory.jsonl') : undefined,
    );
    log(`${count}: memoram-mcp import`);
    const imported = await importFile(dirs.ours.dir, exportFile);
    log(`${count}: import took ${(imported.ms / 1000).toFixed(1)} s (${imported.report})`);
    await rm(exportFile);

    log(`${count}: cold starts`);
    const cold = await coldStarts(dirs, sides, runs);
    log(`${count}: first searches`);
    const first = await firstSearches(dirs, sides, runs, queries(1, 99)[0]);

    log(`${count}: searches`);
    const pids = {};
    for (const side of sides) {
      const { client, transport } = await connect(dirs[side].server, dirs[side].dir);
      await client.listTools();
      sessions[side] = client;
      pids[side] = transport.pid;
    }
    const list = queries(SEARCH.warmUp + SEARCH.measured, 7);
    const search = await interleaved(
      sessions,
      (side) => list.map((query) => dirs[side].server.search(query)),
      SEARCH,
      budgetMs,
    );
    const rss = {};
    for (const side of sides) rss[side] = await rssMiB(pids[side]);

    log(`${count}: creates`);
    const fresh = [...memories(CREATE.warmUp + CREATE.measured, { seed: 4242, from: 1_000_000 })];
    const create = await interleaved(
      sessions,
      (side) => fresh.map((memory, index) => dirs[side].server.create(memory, 1_000_000 + index)),
      CREATE,
      budgetMs,
    );
    return { count, imported, cold, first, search, rss, create };
  } finally {
    for (const client of Object.values(sessions)) await client.close();
    await rm(base, { recursive: true, force: true });
  }
}
