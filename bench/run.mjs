#!/usr/bin/env node
// `npm run bench`: the built server (dist/) over real stdio with the real MCP client, beside the
// official reference server @modelcontextprotocol/server-memory on the same corpus, at 1,000,
// 10,000 and 100,000 memories (bench/local.mjs); the Memoram replica's first search after a restart
// (bench/replica.mjs); and the remote backend's table (bench/remote.mjs). Prints the Markdown tables,
// each measure with its target and whether this run met it, and writes them to bench/results.md.
//
//   node bench/run.mjs [--sizes 1000,10000,100000] [--million] [--runs 5] [--budget 30]
//                      [--replica-size 10000] [--grown-size 10000] [--theirs-up-to 100000]
//                      [--no-remote] [--scoped-size 100000] [--hybrid-size 100000]
//                      [--only local,grown,replica,scoped,remote,hybrid]
//
// --sizes (or BENCH_SIZES) picks the store sizes; --million adds 1,000,000 (opt-in: a long run);
// --runs is how many cold starts and first searches each server gets per size; --budget is the
// seconds server-memory may spend in each size's search phase and create phase; --replica-size 0
// skips the replica line; --grown-size 0 skips the line of a store grown by creates
// (bench/grown.mjs); server-memory runs only at sizes up to --theirs-up-to (at a million it
// would parse a 370 MB file at every call); --scoped-size 0 skips the line of scoped beside
// unscoped search (bench/scoped.mjs); --hybrid-size 0 skips search by meaning's lines
// (bench/hybrid.mjs); --only runs just the named parts. Progress goes to stderr.
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { grownBench } from './grown.mjs';
import { hybridBench, renderHybridTable } from './hybrid.mjs';
import { CREATE, measureSize, SEARCH } from './local.mjs';
import { remoteBench } from './remote.mjs';
import { replicaBench } from './replica.mjs';
import { scopedBench, scopedTable } from './scoped.mjs';
import { summarize } from './stats.mjs';
import { renderTable } from './table.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { values: flags } = parseArgs({
  options: {
    sizes: { type: 'string', default: process.env.BENCH_SIZES ?? '1000,10000,100000' },
    million: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    budget: { type: 'string', default: '30' },
    'replica-size': { type: 'string', default: '10000' },
    'grown-size': { type: 'string', default: '10000' },
    'theirs-up-to': { type: 'string', default: '100000' },
    'no-remote': { type: 'boolean', default: false },
    'scoped-size': { type: 'string', default: '100000' },
    'hybrid-size': { type: 'string', default: '100000' },
    only: { type: 'string' },
  },
});
const sizes = flags.sizes
  .split(',')
  .map((size) => Number(size.replaceAll('_', '').trim()))
  .filter((size) => Number.isInteger(size) && size > 0);
if (flags.million && !sizes.includes(1_000_000)) sizes.push(1_000_000);
sizes.sort((a, b) => a - b);
const runs = Number(flags.runs);
const budgetMs = Number(flags.budget) * 1000;
const replicaSize = Number(flags['replica-size']);
const grownSize = Number(flags['grown-size']);

const hybridSize = Number(flags['hybrid-size']);
/** The parts to run: all of them, unless --only names some. */
const only = new Set(
  (flags.only ?? 'local,grown,replica,scoped,remote,hybrid').split(',').map((part) => part.trim()),
);

const began = Date.now();
const log = (line) => process.stderr.write(`[bench ${((Date.now() - began) / 1000).toFixed(0)} s] ${line}\n`);

// The machine is shared: the load average, sampled through the run, goes into the header.
const load = [os.loadavg()[0]];
const sampler = setInterval(() => load.push(os.loadavg()[0]), 5000);
sampler.unref();

const results = [];
const theirsUpTo = Number(flags['theirs-up-to']);
for (const count of only.has('local') ? sizes : []) {
  results.push(await measureSize(count, { runs, budgetMs, withTheirs: count <= theirsUpTo, log }));
}
let grown;
if (grownSize > 0 && only.has('grown')) {
  try {
    grown = await grownBench(grownSize, { log });
  } catch (error) {
    grown = { count: grownSize, error: error instanceof Error ? error.message : String(error) };
  }
}
let replica;
if (replicaSize > 0 && only.has('replica')) {
  try {
    replica = await replicaBench(replicaSize, { runs: 3, log });
  } catch (error) {
    replica = { count: replicaSize, error: error instanceof Error ? error.message : String(error) };
  }
}
// Scoped beside unscoped search (bench/scoped.mjs); --scoped-size 0 skips it.
let scoped = '';
if (Number(flags['scoped-size']) > 0 && only.has('scoped')) {
  const scopedSize = Number(flags['scoped-size']);
  scoped = scopedTable(
    await scopedBench(scopedSize, { log }).catch((error) => ({
      count: scopedSize,
      error: error instanceof Error ? error.message : String(error),
    })),
  );
}
const remote = flags['no-remote'] || !only.has('remote') ? '' : await remoteBench();
let hybrid = '';
if (hybridSize > 0 && only.has('hybrid')) {
  try {
    hybrid = renderHybridTable(await hybridBench(hybridSize, { log }));
  } catch (error) {
    hybrid = renderHybridTable({
      count: hybridSize,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
clearInterval(sampler);
const loadSummary = summarize(load);

const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`;
const header = [
  `Node ${process.version}, ${cpu}, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average`,
  `${loadSummary.p50.toFixed(1)} over the run (median; max ${loadSummary.max.toFixed(1)}); whole run ${((Date.now() - began) / 60_000).toFixed(1)} min.`,
  `Medians, with the spread (min–max) across repeats: ${runs} cold starts and first searches per server`,
  `and size, the servers alternating; the p50 of each of ${SEARCH.blocks} blocks of searches and of creates,`,
  `the servers taking turns block by block. Search: ${SEARCH.measured} queries after ${SEARCH.warmUp} untimed; create:`,
  `${CREATE.measured} after ${CREATE.warmUp} untimed, one call at a time. server-memory gets at most ${budgetMs / 1000} s per`,
  `phase (n: how many calls its figures rest on).`,
].join('\n');
const table = results.length > 0 || grown || replica ? renderTable(results, replica, grown) : '';
const text = `${header}\n\n${table}\n${scoped ? `\n${scoped}\n` : ''}${remote ? `\n${remote}\n` : ''}${hybrid ? `\nSearch by meaning:\n\n${hybrid}` : ''}`;
process.stdout.write(text);
await writeFile(path.join(root, 'bench', 'results.md'), text);
log('done');
