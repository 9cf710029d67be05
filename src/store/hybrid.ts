/**
 * Search by words and by meaning: the lexical ranking (search.ts) and the vector ranking
 * (vector-index.ts) fused by a convex combination of their normalised scores, then blended with
 * importance and recency, filtered and paged as a lexical search is.
 *
 * Why not reciprocal rank fusion: ranks forget how good a match is. Under RRF a memory that
 * shares one common word with a question ("user") and sits first in the lexical list ties with
 * the memory that answers it by meaning, and beats it as soon as it is anywhere in the vector
 * list, which at a few thousand memories it always is. Bruch, Gai and Ingber (2023, "An Analysis
 * of Fusion Functions for Hybrid Retrieval") find a convex combination of scores normalised
 * against their theoretical bounds better than RRF, and robust in its one weight. Here:
 * * lexical: BM25 relative to a query's theoretical best, every term matched at the highest IDF
 *   the store allows (ln of its size), capped at 1: a rare name or error code scores near 1, a
 *   common word a small fraction, so an exact match of a rare word stays first;
 * * vector: the cosine, below 0 counted as 0.
 */
import type { SearchPage, SearchParams } from '../memory/types.js';
import { parseQuery } from './query.js';
import {
  boost,
  compileFilters,
  expandTerms,
  type Filter,
  type Hits,
  HOUR_MS,
  insertRanked,
  rankedPage,
  SCORE_UNITS,
  type Sql,
  search,
  UNFILTERED,
} from './search.js';
import { decodeSearchCursor, searchKey } from './search-cursor.js';
import type { VectorIndex } from './vector-index.js';

/** The lexical side's share of the fused score. */
export const LEXICAL_WEIGHT = 0.5;
/** The most relevant lexical matches fused; a memory further down has too little lexical score. */
const LEXICAL_CANDIDATES = 200;
/** The memories nearest in meaning fused (of those passing the filters). */
const VECTOR_CANDIDATES = 100;
/**
 * A memory found by meaning alone is a hit when its cosine is at least this share of the best
 * one's: every memory has some cosine with any query, and a search for what is not there should
 * come back (nearly) empty rather than with the least unrelated memories.
 */
const VECTOR_FLOOR = 0.6;

type Boosts = Map<number, [importance: number | null, updatedMs: number]>;

export function hybridSearch(
  sql: Sql,
  index: VectorIndex,
  params: SearchParams,
  now: number,
  query: Float32Array,
): SearchPage {
  const text = params.query?.trim() ?? '';
  const terms = parseQuery(text);
  if (text === '' || terms.length === 0) return search(sql, params, now);
  const limit = params.limit ?? 10;
  const key = searchKey(params);
  const after = params.cursor ? decodeSearchCursor(params.cursor, key) : undefined;
  const filter = compileFilters(sql, params);

  const hits: Hits = new Map();
  const used = expandTerms(sql, terms, filter, hits);
  const boosts: Boosts = new Map();
  for (const [rowid, [, importance, updatedMs]] of hits) {
    if (updatedMs !== undefined) boosts.set(rowid, [importance ?? null, updatedMs]);
  }
  const ideal = terms.length * Math.log(1 + storeSize(sql));
  const lexical = [...hits]
    .map(([rowid, [relevance]]): [number, number] => [rowid, Math.min(1, relevance / ideal)])
    .sort((a, b) => b[1] - a[1] || b[0] - a[0])
    .slice(0, LEXICAL_CANDIDATES);

  const near = nearestPassing(sql, index, query, filter, boosts);
  const fused = new Map<number, number>();
  for (const [rowid, cosine] of near) fused.set(rowid, (1 - LEXICAL_WEIGHT) * Math.max(0, cosine));
  const others = index.similarities(
    query,
    lexical.filter(([rowid]) => !fused.has(rowid)).map(([rowid]) => rowid),
  );
  for (const [rowid, score] of lexical) {
    const vectorPart = fused.get(rowid) ?? (1 - LEXICAL_WEIGHT) * Math.max(0, others.get(rowid) ?? 0);
    fused.set(rowid, LEXICAL_WEIGHT * score + vectorPart);
  }
  readBoosts(sql, boosts, [...fused.keys()]);

  const need = limit + 1;
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const best: [rowid: number, score: number][] = [];
  for (const [rowid, value] of fused) {
    const known = boosts.get(rowid);
    // A memory deleted by another process since it was found.
    if (!known) continue;
    const score = Math.round(value * boost(known[0], known[1], hour) * SCORE_UNITS) / SCORE_UNITS;
    if (after && !(score < after[0] || (score === after[0] && rowid < after[1]))) continue;
    insertRanked(best, [rowid, score], need);
  }
  return rankedPage(sql, terms, used, best, limit, key);
}

/** About the number of memories (the highest rowid): what bounds a term's IDF. */
function storeSize(sql: Sql): number {
  return Math.max(2, Number(sql('SELECT coalesce(max(rowid), 0) FROM memories').pluck().get()));
}

/**
 * The VECTOR_CANDIDATES memories nearest the query that pass the filter, with their cosines. A
 * filtered search checks the whole pool of the binary pass in one statement, reading each passing
 * memory's importance and age on the way.
 */
function nearestPassing(
  sql: Sql,
  index: VectorIndex,
  query: Float32Array,
  filter: Filter,
  boosts: Boosts,
): [number, number][] {
  const all = index.nearest(query);
  const floor = Math.max(0, (all[0]?.[1] ?? 0) * VECTOR_FLOOR);
  const near = all.filter(([, cosine]) => cosine > floor);
  if (filter.sql === UNFILTERED) return near.slice(0, VECTOR_CANDIDATES);
  const passing = sql(
    `SELECT m.rowid, m.importance, m.updated_ms
     FROM json_each(?) j CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = j.value
     WHERE ${filter.sql}`,
  )
    .raw()
    .all(JSON.stringify(near.map(([rowid]) => rowid)), ...filter.args) as [number, number | null, number][];
  for (const [rowid, importance, updatedMs] of passing) boosts.set(rowid, [importance, updatedMs]);
  return near.filter(([rowid]) => boosts.has(rowid)).slice(0, VECTOR_CANDIDATES);
}

/** Importance and updated time of the candidates that lack them (an unfiltered search's). */
function readBoosts(sql: Sql, boosts: Boosts, rowids: readonly number[]): void {
  const missing = rowids.filter((rowid) => !boosts.has(rowid));
  if (missing.length === 0) return;
  const rows = sql(
    `SELECT m.rowid, m.importance, m.updated_ms
     FROM json_each(?) j CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = j.value`,
  )
    .raw()
    .all(JSON.stringify(missing)) as [number, number | null, number][];
  for (const [rowid, importance, updatedMs] of rows) boosts.set(rowid, [importance, updatedMs]);
}
