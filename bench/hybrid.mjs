// Search by meaning's lines of the bench (issue 19): the built server over real stdio on a store
// of `count` memories imported with embeddings, with the test model written in the real format at
// 256 dimensions and a vocabulary of 30,000 rows (test/helpers/test-model.mjs; the corpus's words
// among them). Measures the import with embeddings, the first search by meaning after a start
// (model load and the vectors' load included), hybrid search p50/p95, resident memory with the
// model loaded, and create p50 on this store against one of 1,000.
//
// The first search by meaning is timed from the server being up (its answer to initialize) to the
// answer of a search asked as soon as memoram://status says the model is ready, the client polling
// status from the moment initialize is answered: the model's load and the vectors' load both fall
// inside that window. The process's own start (spawn to initialize answered, about 200-240 ms for
// any Node MCP server on the bench machine, the reference server included) is not: the lexical
// line "first search right after start" is timed the same way. Spawn to answer is printed beside
// it, so nothing is hidden.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { writeTestModel } from '../test/helpers/test-model.mjs';
import { memories, queries, WORDS, writeCorpusFiles } from './corpus.mjs';
import { importFile } from './local.mjs';
import { connect, memoram, rssMiB, timedCall } from './servers.mjs';
import { summarize } from './stats.mjs';
import { ms } from './table.mjs';

export const HYBRID_TARGETS = {
  p50: 8,
  p95: 20,
  firstMs: 200,
  rssMiB: 160,
  importMs: 90_000,
  createRatio: 1.5,
};
const FIRST_RUNS = 5;
const SEARCHES = { warmUp: 100, measured: 500 };
const CREATES = { warmUp: 20, measured: 100 };

/** memoram-mcp with the test model (bench/servers.mjs's server, embeddings on). */
function server(modelDir) {
  return {
    spawn: (dir) => {
      const spawned = memoram.spawn(dir);
      const { MEMORAM_EMBEDDINGS: _off, ...env } = spawned.env;
      return {
        ...spawned,
        env: { ...env, MEMORAM_CACHE_DIR: path.join(dir, 'cache'), MEMORAM_EMBEDDINGS_MODEL: modelDir },
      };
    },
  };
}

async function store(base, count, modelDir, log) {
  const dir = path.join(base, `store-${count}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(base, `export-${count}.json`);
  await writeCorpusFiles(count, file);
  log(`hybrid: importing ${count} memories with embeddings`);
  const { ms: importMs } = await importFile(dir, file, server(modelDir).spawn(dir).env);
  await rm(file);
  return { dir, importMs };
}

const status = async (client) =>
  JSON.parse((await client.readResource({ uri: 'memoram://status' })).contents[0].text).search_by_meaning;

/**
 * The first search by meaning after a start, asked as soon as status says the model is ready:
 * from initialize answered to its answer (`ready`), from the spawn (`total`), and the search alone.
 */
async function firstHybrid(srv, dir, query) {
  const { client, started, initializedAt } = await connect(srv, dir);
  while ((await status(client))?.state === 'loading') await delay(1);
  const search = await timedCall(client, { name: 'search_memories', arguments: { query, limit: 10 } });
  const answered = performance.now();
  await client.close();
  return { search, ready: answered - initializedAt, total: answered - started };
}

async function createP50(srv, dir, from) {
  const { client } = await connect(srv, dir);
  while ((await status(client))?.state === 'loading') await delay(5);
  const times = [];
  let at = 0;
  for (const memory of memories(CREATES.warmUp + CREATES.measured, { seed: 7, from })) {
    const elapsed = await timedCall(client, { name: 'create_memory', arguments: memory });
    if (at++ >= CREATES.warmUp) times.push(elapsed);
  }
  await client.close();
  return summarize(times).p50;
}

export async function hybridBench(count, { log }) {
  const base = await mkdtemp(path.join(os.tmpdir(), 'memoram-bench-hybrid-'));
  try {
    const model = await writeTestModel(path.join(base, 'model'), {
      dimensions: 256,
      vocabSize: 30_000,
      extraWords: WORDS,
    });
    const srv = server(model.dir);
    const big = await store(base, count, model.dir, log);
    const small = await store(base, 1000, model.dir, log);
    log('hybrid: first searches after start');
    const firsts = [];
    for (let run = 0; run < FIRST_RUNS; run++) {
      firsts.push(await firstHybrid(srv, big.dir, `first ${WORDS[run + 5]}`));
    }
    log('hybrid: searches');
    const { client, transport } = await connect(srv, big.dir);
    while ((await status(client))?.state === 'loading') await delay(5);
    const times = [];
    const list = queries(SEARCHES.warmUp + SEARCHES.measured, 11);
    for (const [at, query] of list.entries()) {
      const elapsed = await timedCall(client, { name: 'search_memories', arguments: { query, limit: 10 } });
      if (at >= SEARCHES.warmUp) times.push(elapsed);
    }
    const rss = await rssMiB(transport.pid);
    const meaning = await status(client);
    await client.close();
    log('hybrid: creates');
    const createBig = await createP50(srv, big.dir, count);
    const createSmall = await createP50(srv, small.dir, 1000);
    return {
      count,
      importMs: big.importMs,
      first: {
        search: summarize(firsts.map((f) => f.search)),
        ready: summarize(firsts.map((f) => f.ready)),
        total: summarize(firsts.map((f) => f.total)),
      },
      search: summarize(times),
      rss,
      vectors: meaning?.vectors,
      createRatio: createBig / createSmall,
      create: { big: createBig, small: createSmall },
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

export function renderHybridTable(result) {
  if (result.error) return `Search by meaning (${result.count}): not measured (${result.error})\n`;
  const t = HYBRID_TARGETS;
  const met = (ok) => (ok ? 'yes' : 'no');
  const n = result.count.toLocaleString('en-US');
  const rows = [
    ['measure', 'memoram-mcp', 'target', 'met'],
    ['---', '---', '---', '---'],
    [
      `hybrid search p50 / p95, ${n}`,
      `${ms(result.search.p50)} / ${ms(result.search.p95)}`,
      `≤ ${t.p50} ms / ≤ ${t.p95} ms`,
      met(result.search.p50 <= t.p50 && result.search.p95 <= t.p95),
    ],
    [
      `first hybrid search after start, ${n}, initialize answered to answer, model load included (range; spawn to answer; the search alone)`,
      `${ms(result.first.ready.p50)} (${ms(result.first.ready.min)}–${ms(result.first.ready.max)}; ${ms(result.first.total.p50)}; ${ms(result.first.search.p50)})`,
      `≤ ${t.firstMs} ms`,
      met(result.first.ready.p50 <= t.firstMs),
    ],
    [
      `resident memory, ${n}, model loaded`,
      `${result.rss.toFixed(0)} MiB`,
      `≤ ${t.rssMiB} MiB`,
      met(result.rss <= t.rssMiB),
    ],
    [
      `import of ${n} with embeddings`,
      ms(result.importMs),
      `≤ ${t.importMs / 1000} s`,
      met(result.importMs <= t.importMs),
    ],
    [
      `create p50 with embeddings, ${n} ÷ 1,000`,
      `${result.createRatio.toFixed(2)} (${ms(result.create.big)} / ${ms(result.create.small)})`,
      `≤ ${t.createRatio}`,
      met(result.createRatio <= t.createRatio),
    ],
  ];
  return `${rows.map((cells) => `| ${cells.join(' | ')} |`).join('\n')}\n`;
}
