// The bench's Markdown table: one row per measure and size, memoram-mcp beside server-memory, the
// ratio where both have the operation, the target from issue 8 and whether this run met it.

export const TARGETS = {
  search: { 10000: { p50: 1.5, p95: 4 }, 100000: { p50: 5, p95: 15 } },
  firstSearchMs: { 100000: 50 },
  rssMiB: { 100000: 100 },
  importMs: { 100000: 60_000 },
  createRatio: 1.5,
  coldStartRatio: 1.0,
  replicaMs: 50,
  toolsListChars: 8000,
};

const count = (n) => n.toLocaleString('en-US');
export function ms(value) {
  if (!Number.isFinite(value)) return '—';
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  return `${value.toFixed(value < 10 ? 2 : 1)} ms`;
}
const spread = ({ min, max }, format = ms) => `${format(min)}–${format(max)}`;
const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(a / b < 0.01 ? 4 : 2)}` : '—');
const NOT_RUN = 'not run at this size';

/** A table row; `theirs` and `ratioText` are functions, called only when server-memory ran. */
function row(measure, ours, theirs, ratioText, ran, target = '', met = undefined) {
  return [
    measure,
    ours,
    ran ? theirs() : NOT_RUN,
    ran ? ratioText() : '',
    target,
    target ? (met ? 'met' : 'missed') : '',
  ];
}

function searchRows(results) {
  return results.map(({ count: n, search }) => {
    const target = TARGETS.search[n];
    const { ours, theirs } = search;
    return row(
      `search p50 / p95 over stdio, ${count(n)}`,
      `${ms(ours.p50)} / ${ms(ours.p95)} (block p50s ${spread(ours.blockP50)})`,
      () => `${ms(theirs.p50)} / ${ms(theirs.p95)} (n = ${theirs.n})`,
      () => ratio(ours.p50, theirs.p50),
      theirs,
      target ? `≤ ${target.p50} ms / ≤ ${target.p95} ms` : '',
      target && ours.p50 <= target.p50 && ours.p95 <= target.p95,
    );
  });
}

/** The same searches on a store grown by creates alone, after the server's idle merge. */
function grownRow(grown) {
  const measure = `search p50 / p95 over stdio, ${count(grown.count)} grown by single creates`;
  const none = () => '';
  if (grown.error) return row(measure, `failed: ${grown.error}`, none, none, true);
  const target = TARGETS.search[grown.count];
  const { search } = grown;
  return row(
    measure,
    `${ms(search.p50)} / ${ms(search.p95)} (block p50s ${spread(search.blockP50)}); ` +
      `the creates took ${ms(grown.growMs)}`,
    () => '— (not run: its creates rewrite its whole file)',
    none,
    true,
    target ? `≤ ${target.p50} ms / ≤ ${target.p95} ms` : '',
    target && search.p50 <= target.p50 && search.p95 <= target.p95,
  );
}

function answerSizeRows(results) {
  const chars = (value) => `${count(Math.round(value))} characters`;
  const side = (s) =>
    `${chars(s.chars.p50)} (max ${chars(s.chars.max)})${s.overCap ? `; ${s.overCap} of ${s.n} over the client's 10 MiB default cap` : ''}`;
  return results.map(({ count: n, search }) =>
    row(
      `search answer size (JSON), ${count(n)}`,
      side(search.ours),
      () => side(search.theirs),
      () => ratio(search.ours.chars.p50, search.theirs.chars.p50),
      search.theirs,
    ),
  );
}

function firstSearchRows(results) {
  const side = (s) => `${ms(s.search.p50)} (${spread(s.search)}); spawn → answer ${ms(s.total.p50)}`;
  return results.map(({ count: n, first }) => {
    const target = TARGETS.firstSearchMs[n];
    return row(
      `first search right after start, ${count(n)}`,
      side(first.ours),
      () => side(first.theirs),
      () => ratio(first.ours.search.p50, first.theirs.search.p50),
      first.theirs,
      target ? `≤ ${target} ms` : '',
      target && first.ours.search.p50 <= target,
    );
  });
}

function coldStartRows(results) {
  return results.map(({ count: n, cold }) =>
    row(
      `cold start, spawn → tools/list answered, ${count(n)}`,
      `${ms(cold.ours.p50)} (${spread(cold.ours)})`,
      () => `${ms(cold.theirs.p50)} (${spread(cold.theirs)})`,
      () => ratio(cold.ours.p50, cold.theirs.p50),
      cold.theirs,
      cold.theirs ? `ratio ≤ ${TARGETS.coldStartRatio.toFixed(1)}` : '',
      cold.theirs && cold.ours.p50 / cold.theirs.p50 <= TARGETS.coldStartRatio,
    ),
  );
}

function rssRows(results) {
  const mib = (value) => (Number.isFinite(value) ? `${value.toFixed(0)} MiB` : '—');
  return results.map(({ count: n, rss }) => {
    const target = TARGETS.rssMiB[n];
    return row(
      `resident memory after the searches, ${count(n)}`,
      mib(rss.ours),
      () => mib(rss.theirs),
      () => ratio(rss.ours, rss.theirs),
      rss.theirs !== undefined,
      target ? `≤ ${target} MiB` : '',
      target && rss.ours <= target,
    );
  });
}

function importRows(results) {
  return results.map(({ count: n, imported, search }) => {
    const target = TARGETS.importMs[n];
    const rate = Math.round(n / (imported.ms / 1000));
    return row(
      `\`memoram-mcp import\` of ${count(n)} (one run)`,
      `${ms(imported.ms)} (${count(rate)}/s)`,
      () => '— (no import; seeded through its file)',
      () => '',
      search.theirs,
      target ? `≤ ${target / 1000} s` : '',
      target && imported.ms <= target,
    );
  });
}

function createRows(results) {
  const rows = results.map(({ count: n, create }) =>
    row(
      `create p50 / p95 over stdio, into ${count(n)}`,
      `${ms(create.ours.p50)} / ${ms(create.ours.p95)} (block p50s ${spread(create.ours.blockP50)})`,
      () => `${ms(create.theirs.p50)} / ${ms(create.theirs.p95)} (n = ${create.theirs.n})`,
      () => ratio(create.ours.p50, create.theirs.p50),
      create.theirs,
    ),
  );
  const base = results.find((result) => result.count === 1000) ?? results[0];
  for (const large of results) {
    if (large.count <= base.count) continue;
    const target = large.count === 100_000 && base.count === 1000;
    const of = (side) => ratio(large.create[side].p50, base.create[side].p50);
    rows.push(
      row(
        `create p50 at ${count(large.count)} ÷ at ${count(base.count)}`,
        of('ours'),
        () => of('theirs'),
        () => '',
        large.create.theirs && base.create.theirs,
        target ? `≤ ${TARGETS.createRatio}` : '',
        target && large.create.ours.p50 / base.create.ours.p50 <= TARGETS.createRatio,
      ),
    );
  }
  return rows;
}

function replicaRow(replica) {
  const measure = `Memoram replica, ${count(replica.count)} on the emulator: first search after a restart`;
  const target = `0 HTTP requests before the answer, ≤ ${TARGETS.replicaMs} ms`;
  const none = () => '— (no remote backend)';
  if (replica.error) {
    return row(measure, `did not run: ${replica.error.slice(0, 200)}`, none, () => '', true, target, false);
  }
  const { search, requestsBefore, hits } = replica;
  return row(
    measure,
    `${ms(search.p50)} (${spread(search)}), ${requestsBefore} HTTP requests before the answer, ${hits} hits`,
    none,
    () => '',
    true,
    target,
    requestsBefore === 0 && hits > 0 && search.p50 <= TARGETS.replicaMs,
  );
}

export function renderTable(results, replica, grown) {
  const last = results.at(-1);
  const rows = [
    ...searchRows(results),
    ...(grown ? [grownRow(grown)] : []),
    ...answerSizeRows(results),
    ...firstSearchRows(results),
    ...coldStartRows(results),
    ...rssRows(results),
    ...importRows(results),
    ...createRows(results),
    ...(replica ? [replicaRow(replica)] : []),
    row(
      'tools/list answer size',
      `${count(last.cold.toolsListChars)} characters`,
      () => '',
      () => '',
      true,
      `≤ ${count(TARGETS.toolsListChars)}`,
      last.cold.toolsListChars <= TARGETS.toolsListChars,
    ),
  ];
  return [
    '| measure | memoram-mcp | server-memory | ratio | target | |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((cells) => `| ${cells.join(' | ')} |`),
  ].join('\n');
}
