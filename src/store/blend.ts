/**
 * A search's score: relevance relative to the best hit, blended with importance and recency, and
 * rounded; the importance and age read for it; and the ranked list a page is cut from. Shared by
 * the lexical ranking (search.ts), its expansion (feedback.ts) and the hybrid one (hybrid.ts).
 */
import type { Sql } from './search.js';

const RECENCY_HALF_LIFE_DAYS = 90;
const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
/** Scores are rounded to thousandths: one order between the pages of a search. */
export const SCORE_UNITS = 1000;

/**
 * Per matching memory: summed relevance, then its importance and updated time (ms), read with the
 * match when the search is filtered and by readBoosts() when it is not.
 */
export type Hits = Map<number, [relevance: number, importance?: number | null, updatedMs?: number]>;

/**
 * Reads importance and updated time into `hits` (an unfiltered search's) for the memories that
 * can still reach the first `need` places, and drops the others. The blend keeps at most all of a
 * memory's relevance, so once the `need` most relevant memories are scored, a memory whose whole
 * relevance (relative to the best) falls more than one rounding unit short of the lowest of those
 * scores ranks below all of them. Without `need` (a later page, whose places are not known yet),
 * every memory is read. `margin` widens that one rounding unit (for scores scaled afterwards);
 * without `prune` the others stay in `hits`, unread.
 */
export function readBoosts(
  sql: Sql,
  hits: Hits,
  top: number,
  need: number | undefined,
  hour: number,
  prune = true,
  margin = 1,
): void {
  const read = sql(
    `SELECT m.rowid, m.importance, m.updated_ms
     FROM json_each(?) j CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = j.value`,
  ).raw();
  const readInto = (rowids: readonly number[]) => {
    const rows = read.all(JSON.stringify(rowids)) as [number, number | null, number][];
    for (const [rowid, importance, updatedMs] of rows) {
      const hit = hits.get(rowid)!;
      hit[1] = importance;
      hit[2] = updatedMs;
    }
  };
  if (need === undefined || hits.size <= need) {
    readInto([...hits.keys()]);
    return;
  }
  const mostRelevant: [rowid: number, relevance: number][] = [];
  for (const [rowid, [relevance]] of hits) insertRanked(mostRelevant, [rowid, relevance], need);
  readInto(mostRelevant.map(([rowid]) => rowid));
  // Each of those `need` scores bounds the page; one deleted meanwhile bounds nothing.
  let lowest = Number.POSITIVE_INFINITY;
  for (const [rowid, relevance] of mostRelevant) {
    const [, importance, updatedMs] = hits.get(rowid)!;
    lowest =
      updatedMs === undefined
        ? Number.NEGATIVE_INFINITY
        : Math.min(lowest, (relevance / top) * boost(importance ?? null, updatedMs, hour));
  }
  const floor = (lowest - margin / SCORE_UNITS) * top;
  const rest: number[] = [];
  for (const [rowid, hit] of hits) {
    if (hit[2] !== undefined) continue;
    if (hit[0] < floor) {
      if (prune) hits.delete(rowid);
    } else rest.push(rowid);
  }
  if (rest.length > 0) readInto(rest);
}

/** A memory's score before rounding: its relevance relative to the best, blended (boost()). */
export function blended(
  relevance: number,
  top: number,
  importance: number | null | undefined,
  updatedMs: number,
  hour: number,
) {
  return (relevance / (top || 1)) * boost(importance ?? null, updatedMs, hour);
}

/** A memory's share of its relevance, from 2/3 to all of it: more for important and recent ones. */
export function boost(importance: number | null, updatedMs: number, hour: number): number {
  const ageDays = Math.max(0, hour - updatedMs) / DAY_MS;
  const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
  const weight = Math.min(1, Math.max(0, importance ?? 0.5));
  return (1 + 0.3 * weight + 0.2 * recency) / 1.5;
}

/** Higher score first, then the newer row: one order between calls. */
export function insertRanked(list: [number, number][], item: [number, number], limit: number): void {
  const above = (a: [number, number], b: [number, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] > b[0]);
  if (list.length >= limit && !above(item, list[list.length - 1]!)) return;
  let at = list.length;
  while (at > 0 && above(item, list[at - 1]!)) at--;
  list.splice(at, 0, item);
  if (list.length > limit) list.pop();
}
