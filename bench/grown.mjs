// A store as its user grows it: memoram-mcp on an empty store, `count` memories added by
// create_memory one at a time over stdio (no import, so no compaction at the end), a pause longer
// than the server's idle wait (in which it merges the search index that the creates left in many
// segments), then the same searches as the size's own line. server-memory is not run: 10,000 of
// its creates, each rewriting its whole file, would take minutes.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { memories, queries } from './corpus.mjs';
import { interleaved, SEARCH } from './local.mjs';
import { connect, memoram, timedCall } from './servers.mjs';

/** Longer than the server's wait for an idle spell before it merges the index (IDLE_MS, 2 s). */
export const IDLE_PAUSE_MS = 3_000;

export async function grownBench(count, { log }) {
  const base = await mkdtemp(path.join(os.tmpdir(), `memoram-bench-grown-${count}-`));
  let session;
  try {
    session = await connect(memoram, base);
    log(`grown ${count}: creates one at a time`);
    const started = performance.now();
    for (const memory of memories(count)) await timedCall(session.client, memoram.create(memory));
    const growMs = performance.now() - started;
    await sleep(IDLE_PAUSE_MS);
    log(`grown ${count}: searches`);
    const list = queries(SEARCH.warmUp + SEARCH.measured, 7);
    const search = await interleaved(
      { ours: session.client },
      () => list.map((query) => memoram.search(query)),
      SEARCH,
      0,
    );
    return { count, growMs, search: search.ours };
  } finally {
    await session?.client.close();
    await rm(base, { recursive: true, force: true });
  }
}
