/**
 * Search over a memory database, in SQL with FTS5. Each query term is looked up on its own and
 * its BM25 scores (at our k1 and b: bm25.ts) added up per memory, which is what FTS5's bm25()
 * computes for an OR of the terms (a sum over phrases), but lets each term's cost be bounded: a
 * term found in more than TERM_CAP memories is scored over its TERM_CAP most recent ones, so a
 * common word's tens of thousands of matches cost what a rarer word's do. (A common word weighs
 * little in BM25, and recency favours those memories anyway; the rarer words of a query are
 * scored in full.)
 * Relevance, relative to the best hit, is then blended with importance and recency (read from the
 * small memories_scoring index rather than the rows) and the page kept in one pass. A filtered
 * search reads importance and recency with each match, since the filter needs them; an unfiltered
 * first page reads them only for the memories whose relevance leaves them a chance of the page.
 * When the best match has rare words of its own, they reorder the hits below it (feedback.ts).
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import type { MemorySummary, SearchFilters, SearchPage, SearchParams } from '../memory/types.js';
import { blended, type Hits, HOUR_MS, insertRanked, readBoosts, SCORE_UNITS } from './blend.js';
import { averageLength, IDF_WEIGHT, indexTotals, rescore } from './bm25.js';
import { feedbackTerms, rankWithFeedback } from './feedback.js';
import { MAX_TERMS, parseQuery, type QueryTerm } from './query.js';
import { passesEveryMemory, scopeClause } from './scope-filter.js';
import { type CursorPosition, decodeSearchCursor, encodeSearchCursor, searchKey } from './search-cursor.js';
import { snippetAt, wordAt } from './snippet.js';
import { closeWords, completions } from './vocabulary.js';

export const TERM_CAP = 400;
// The blend's parts, where hybrid.ts and the tests have always found them.
export { boost, type Hits, HOUR_MS, insertRanked, SCORE_UNITS } from './blend.js';
export type Sql = (text: string) => Database.Statement;

export interface Filter {
  sql: string;
  args: unknown[];
}

/** The filters as SQL over `memories m`; a scope filter every memory passes is left out. */
export function compileFilters(sql: Sql, filters: SearchFilters): Filter {
  const clauses: string[] = [];
  const args: unknown[] = [];
  const scope = passesEveryMemory(sql, filters.scopes) ? null : scopeClause(filters.scopes);
  if (scope) {
    clauses.push(scope.sql);
    args.push(...scope.args);
  }
  const tags = (filters.tags ?? []).filter((tag) => tag.length > 0);
  if (tags.length > 0) {
    clauses.push(
      `EXISTS (SELECT 1 FROM memory_tags t WHERE t.memory = m.rowid AND t.tag IN (${tags.map(() => '?').join(', ')}))`,
    );
    args.push(...tags);
  }
  if (filters.minImportance !== undefined) {
    clauses.push('coalesce(m.importance, 0.5) >= ?');
    args.push(filters.minImportance);
  }
  if (filters.source !== undefined) {
    clauses.push('m.source = ?');
    args.push(filters.source);
  }
  if (filters.createdAfter !== undefined) {
    clauses.push('m.created_ms >= ?');
    args.push(Date.parse(filters.createdAfter));
  }
  if (filters.createdBefore !== undefined) {
    clauses.push('m.created_ms < ?');
    args.push(Date.parse(filters.createdBefore));
  }
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : UNFILTERED, args };
}

/** The filter of a search without one. */
export const UNFILTERED = '1';

const SUMMARY_COLUMNS = `m.rowid, m.id, m.title, m.summary, m.tags, m.importance, m.confidence, m.source, m.scope,
  m.created_at, m.updated_at, m.sealed IS NOT NULL AS unreadable`;

interface SummaryRow {
  rowid: number;
  id: string;
  title: string;
  summary: string;
  tags: string;
  importance: number | null;
  confidence: number | null;
  source: string | null;
  scope: string | null;
  created_at: string;
  updated_at: string;
  unreadable: 0 | 1;
}

function toSummary(row: SummaryRow, snippet: string, score: number | null): MemorySummary {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    tags: JSON.parse(row.tags) as string[],
    importance: row.importance,
    confidence: row.confidence,
    source: row.source,
    scope: row.scope,
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...(row.unreadable ? { unreadable: true as const } : {}),
    snippet,
    score,
  };
}

export function search(sql: Sql, params: SearchParams, now: number): SearchPage {
  const limit = params.limit ?? 10;
  const key = searchKey(params);
  const after = params.cursor ? decodeSearchCursor(params.cursor, key) : undefined;
  const filter = compileFilters(sql, params);
  const query = params.query?.trim() ?? '';
  if (query === '') return recent(sql, filter, limit, after, key);
  const terms = parseQuery(params.query ?? '');
  if (terms.length === 0) return { memories: [], next_cursor: null };
  return ranked(sql, terms, filter, limit, after, key, now);
}

function recent(
  sql: Sql,
  filter: Filter,
  limit: number,
  after: CursorPosition | undefined,
  key: string,
): SearchPage {
  const page = sql(
    `SELECT ${SUMMARY_COLUMNS}, m.content, m.updated_ms FROM memories m
     WHERE ${filter.sql} AND (? IS NULL OR m.updated_ms < ? OR (m.updated_ms = ? AND m.rowid < ?))
     ORDER BY m.updated_ms DESC, m.rowid DESC LIMIT ?`,
  ).all(
    ...filter.args,
    ...Array(3).fill(after?.[0] ?? null),
    after?.[1] ?? null,
    limit + 1,
  ) as (SummaryRow & {
    content: string;
    updated_ms: number;
  })[];
  const shown = page.slice(0, limit);
  const last = shown.at(-1);
  return {
    memories: shown.map((row) => toSummary(row, snippetAt(row.content, 0), null)),
    next_cursor: page.length > limit && last ? encodeSearchCursor([last.updated_ms, last.rowid], key) : null,
  };
}

/** The columns of a match's relevance: FTS5's rank, and bm25() giving the term's idf (bm25.ts). */
const RELEVANCE = `f.rank, bm25(memories_fts, ${Array(5).fill(IDF_WEIGHT).join(', ')})`;

/**
 * Adds one term's BM25 scores (bm25.ts) into `hits`, for the memories that pass the filter; false
 * when the term matches nothing at all. A filter's join reads each match's importance and age in
 * the same pass.
 */
function scoreTerm(sql: Sql, expr: string, filter: Filter, hits: Hits, avgdl: number): boolean {
  if (filter.sql === UNFILTERED) {
    const rows = sql(
      `SELECT f.rowid, ${RELEVANCE} FROM memories_fts f WHERE memories_fts MATCH ? ORDER BY f.rowid DESC LIMIT ${TERM_CAP}`,
    )
      .raw()
      .all(expr) as [number, number, number][];
    for (const [rowid, rank, idfRank] of rows) {
      const relevance = rescore(rank, idfRank, avgdl);
      const known = hits.get(rowid);
      if (known) known[0] += relevance;
      else hits.set(rowid, [relevance]);
    }
    return rows.length > 0;
  }
  const bound = sql(
    `SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ${TERM_CAP}`,
  )
    .pluck()
    .get(expr) as number | undefined;
  const rows = sql(
    `SELECT f.rowid, ${RELEVANCE}, m.importance, m.updated_ms
     FROM memories_fts f CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = f.rowid
     WHERE memories_fts MATCH ? AND f.rowid > ? AND ${filter.sql}`,
  )
    .raw()
    .all(expr, bound ?? -1, ...filter.args) as [number, number, number, number | null, number][];
  for (const [rowid, rank, idfRank, importance, updatedMs] of rows) {
    const relevance = rescore(rank, idfRank, avgdl);
    const known = hits.get(rowid);
    if (known) known[0] += relevance;
    else hits.set(rowid, [relevance, importance, updatedMs]);
  }
  return rows.length > 0 || bound !== undefined;
}

export function expandTerms(sql: Sql, terms: readonly QueryTerm[], filter: Filter, scores: Hits): string[] {
  const avgdl = averageLength(sql);
  const used: string[] = [];
  // MAX_TERMS bounds the terms that match and the typo lookups, not the words read.
  let matched = 0;
  let fixes = 0;
  for (const term of terms) {
    if (matched >= MAX_TERMS) break;
    let found = scoreTerm(sql, term.expr, filter, scores, avgdl);
    if (found) used.push(term.expr);
    // The last word completes only when it is not a word of its own: "espres", not "cat".
    if (!found && term.prefix && term.word) {
      for (const word of completions(sql, term.word)) {
        const expr = `"${word}"`;
        if (expr !== term.expr && scoreTerm(sql, expr, filter, scores, avgdl)) {
          used.push(expr);
          found = true;
        }
      }
    }
    if (found) matched++;
    if (!found && term.word && fixes++ < MAX_TERMS) {
      for (const word of closeWords(sql, term.word)) {
        const expr = `"${word}"`;
        if (scoreTerm(sql, expr, filter, scores, avgdl)) used.push(expr);
      }
    }
  }
  return used;
}

function ranked(
  sql: Sql,
  terms: readonly QueryTerm[],
  filter: Filter,
  limit: number,
  after: CursorPosition | undefined,
  key: string,
  now: number,
): SearchPage {
  const scores: Hits = new Map();
  const used = expandTerms(sql, terms, filter, scores);
  if (scores.size === 0) return { memories: [], next_cursor: null };
  let top = 0;
  let bestMatch = 0;
  for (const [rowid, [relevance]] of scores) {
    if (relevance > top || (relevance === top && rowid > bestMatch)) bestMatch = rowid;
    top = Math.max(top, relevance);
  }
  const need = limit + 1;
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const totals = indexTotals(sql);
  const own = [
    ...terms.flatMap((term) => term.word ?? []),
    ...used.flatMap((expr) => WORD_EXPR.exec(expr)?.[1] ?? []),
  ];
  const added = feedbackTerms(sql, bestMatch, own, totals.rows);
  if (added.length > 0) {
    const extra: Hits = new Map();
    for (const expr of added) scoreTerm(sql, expr, filter, extra, totals.avgdl);
    const best = rankWithFeedback(sql, scores, extra, top, filter.sql === UNFILTERED, need, after, hour);
    return rankedPage(sql, terms, used, best, limit, key);
  }
  if (filter.sql === UNFILTERED) readBoosts(sql, scores, top || 1, after ? undefined : need, hour);
  const best: [rowid: number, score: number][] = [];
  for (const [rowid, [relevance, importance, updatedMs]] of scores) {
    // A memory deleted by another process since its match was read.
    if (updatedMs === undefined) continue;
    const score =
      Math.round(blended(relevance, top, importance, updatedMs, hour) * SCORE_UNITS) / SCORE_UNITS;
    if (after && !(score < after[0] || (score === after[0] && rowid < after[1]))) continue;
    insertRanked(best, [rowid, score], need);
  }
  return rankedPage(sql, terms, used, best, limit, key);
}

/** The page of the `limit` best of `best` (ranked, one more than a page), with its cursor. */
export function rankedPage(
  sql: Sql,
  terms: readonly QueryTerm[],
  used: readonly string[],
  best: readonly [rowid: number, score: number][],
  limit: number,
  key: string,
): SearchPage {
  const shown = best.slice(0, limit);
  const rows = pageRows(sql, terms, used, shown);
  const memories = shown.flatMap(([rowid, score]) => {
    const row = rows.get(rowid);
    // A memory deleted by another process since it was scored.
    if (!row) return [];
    return [toSummary(row, row.unreadable ? '' : snippetAt(row.content, row.matchAt), score)];
  });
  const last = shown.at(-1);
  return {
    memories,
    next_cursor: best.length > limit && last ? encodeSearchCursor([last[1], last[0]], key) : null,
  };
}

/** The single word an FTS5 term expression stands for (`"word"`), if it is one. */
const WORD_EXPR = /^"([\p{L}\p{N}\p{M}]+)"$/u;

/**
 * The page's rows, each with where its snippet centres: the first CJK run of the query the
 * content holds, else the first of the matched words the content holds as typed, else where the
 * index matched first (as the tokenizer sees it: stems, diacritics), found by FTS5's highlight()
 * for the rows that need it. Asking the index costs a lookup of every term per row, several times
 * what reading the row does, and the words as typed are usually there.
 */
function pageRows(
  sql: Sql,
  terms: readonly QueryTerm[],
  used: readonly string[],
  page: readonly [rowid: number, score: number][],
): Map<number, SummaryRow & { content: string; matchAt: number }> {
  const rows = sql(
    `SELECT ${SUMMARY_COLUMNS}, m.content FROM memories m WHERE m.rowid IN (SELECT value FROM json_each(?))`,
  ).all(JSON.stringify(page.map(([rowid]) => rowid))) as (SummaryRow & { content: string })[];
  const runs = terms.flatMap((term) => (term.run ? [term.run] : []));
  const words = used.flatMap((expr) => WORD_EXPR.exec(expr)?.[1] ?? []);
  const unplaced: number[] = [];
  const placed = rows.map((row) => {
    const matchAt = row.unreadable ? 0 : typedMatch(row.content, runs, words);
    if (matchAt < 0) unplaced.push(row.rowid);
    return { ...row, matchAt };
  });
  const indexed = new Map<number, number>();
  // A page found by meaning alone may have no word to look for. Only a match in the content
  // places a snippet, and a row whose words matched in its title or tags alone is the usual
  // reason to be here: the column filter leaves those rows out, at half the cost of marking them.
  if (unplaced.length > 0 && used.length > 0) {
    const marked = sql(
      `SELECT rowid, highlight(memories_fts, 3, char(1), '') FROM memories_fts
       WHERE memories_fts MATCH ? AND rowid IN (SELECT value FROM json_each(?))`,
    )
      .raw()
      .all(`content : (${used.join(' OR ')})`, JSON.stringify(unplaced)) as [number, string][];
    for (const [rowid, text] of marked) indexed.set(rowid, Math.max(0, text.indexOf('\u0001')));
  }
  return new Map(
    placed.map((row) => [
      row.rowid,
      row.matchAt >= 0 ? row : { ...row, matchAt: indexed.get(row.rowid) ?? 0 },
    ]),
  );
}

/** Where the first of the query's CJK runs, else of its words, occurs in `content`; -1 for neither. */
function typedMatch(content: string, runs: readonly string[], words: readonly string[]): number {
  for (const run of runs) {
    const at = content.indexOf(run);
    if (at >= 0) return at;
  }
  return wordAt(content, words);
}
