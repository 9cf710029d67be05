/**
 * Search over a memory database, in SQL with FTS5. Each query term is looked up on its own and
 * the BM25 scores added up per memory, which is what FTS5's bm25() computes for an OR of the terms
 * (its score is a sum over phrases), but lets each term's cost be bounded: a term found in more
 * than TERM_CAP memories is scored over its TERM_CAP most recent ones, so a common word's tens of
 * thousands of matches cost what a rarer word's do. (A common word weighs little in BM25, and
 * recency favours those memories anyway; the rarer words of a query are scored in full.)
 * Relevance, relative to the best hit, is then blended with importance and recency (read in the
 * same join, from the small memories_scoring index rather than the rows) and the page kept in one
 * pass.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import type { MemorySummary, SearchFilters, SearchPage, SearchParams } from '../memory/types.js';
import { MAX_TERMS, parseQuery, type QueryTerm } from './query.js';
import { type CursorPosition, decodeSearchCursor, encodeSearchCursor, searchKey } from './search-cursor.js';
import { snippetAt } from './snippet.js';
import { closeWords, completions } from './vocabulary.js';

export const TERM_CAP = 400;
const RECENCY_HALF_LIFE_DAYS = 90;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

type Sql = (text: string) => Database.Statement;

interface Filter {
  sql: string;
  args: unknown[];
}

export function compileFilters(filters: SearchFilters): Filter {
  const clauses: string[] = [];
  const args: unknown[] = [];
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
  return { sql: clauses.length > 0 ? clauses.join(' AND ') : '1', args };
}

const SUMMARY_COLUMNS = `m.rowid, m.id, m.title, m.summary, m.tags, m.importance, m.confidence, m.source,
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
  const filter = compileFilters(params);
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

/** Per matching memory: summed relevance, importance, updated time (ms). */
type Hits = Map<number, [number, number | null, number]>;

/**
 * Adds one term's BM25 scores into `hits`, for the memories that pass the filter; false when the
 * term matches nothing at all. The join reads each match's importance and age in the same pass.
 */
function scoreTerm(sql: Sql, expr: string, filter: Filter, hits: Hits): boolean {
  const bound = sql(
    `SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ${TERM_CAP}`,
  )
    .pluck()
    .get(expr) as number | undefined;
  const rows = sql(
    `SELECT f.rowid, f.rank, m.importance, m.updated_ms
     FROM memories_fts f CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = f.rowid
     WHERE memories_fts MATCH ? AND f.rowid > ? AND ${filter.sql}`,
  )
    .raw()
    .all(expr, bound ?? -1, ...filter.args) as [number, number, number | null, number][];
  for (const [rowid, rank, importance, updatedMs] of rows) {
    const known = hits.get(rowid);
    if (known) known[0] -= rank;
    else hits.set(rowid, [-rank, importance, updatedMs]);
  }
  return rows.length > 0 || bound !== undefined;
}

export function expandTerms(sql: Sql, terms: readonly QueryTerm[], filter: Filter, scores: Hits): string[] {
  const used: string[] = [];
  // MAX_TERMS bounds the terms that match and the typo lookups, not the words read.
  let matched = 0;
  let fixes = 0;
  for (const term of terms) {
    if (matched >= MAX_TERMS) break;
    let found = scoreTerm(sql, term.expr, filter, scores);
    if (found) used.push(term.expr);
    // The last word completes only when it is not a word of its own: "espres", not "cat".
    if (!found && term.prefix && term.word) {
      for (const word of completions(sql, term.word)) {
        const expr = `"${word}"`;
        if (expr !== term.expr && scoreTerm(sql, expr, filter, scores)) {
          used.push(expr);
          found = true;
        }
      }
    }
    if (found) matched++;
    if (!found && term.word && fixes++ < MAX_TERMS) {
      for (const word of closeWords(sql, term.word)) {
        const expr = `"${word}"`;
        if (scoreTerm(sql, expr, filter, scores)) used.push(expr);
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
  for (const [relevance] of scores.values()) top = Math.max(top, relevance);
  const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const need = limit + 1;
  const best: [rowid: number, score: number][] = [];
  for (const [rowid, [relevance, importance, updatedMs]] of scores) {
    const score = Math.round((relevance / (top || 1)) * boost(importance, updatedMs, hour) * 1000) / 1000;
    if (after && !(score < after[0] || (score === after[0] && rowid < after[1]))) continue;
    insertRanked(best, [rowid, score], need);
  }
  const shown = best.slice(0, limit);
  const rows = pageRows(sql, used.join(' OR '), shown);
  const memories = shown.flatMap(([rowid, score]) => {
    const row = rows.get(rowid);
    if (!row) return []; // every scored row matches `used`; this only keeps the types honest
    if (row.unreadable) return [toSummary(row, '', score)];
    return [toSummary(row, snippetFor(row.content, terms, row.marked.indexOf('\u0001')), score)];
  });
  const last = shown.at(-1);
  return {
    memories,
    next_cursor: best.length > limit && last ? encodeSearchCursor([last[1], last[0]], key) : null,
  };
}

/**
 * The page's rows in one statement, each with its content marked where the first matched word
 * starts, as the tokenizer sees it (stems, diacritics); FTS5 looks each rowid up on its own.
 */
function pageRows(
  sql: Sql,
  expression: string,
  page: readonly [rowid: number, score: number][],
): Map<number, SummaryRow & { content: string; marked: string }> {
  const rows = sql(
    `SELECT ${SUMMARY_COLUMNS}, m.content, highlight(memories_fts, 3, char(1), '') AS marked
     FROM memories_fts f CROSS JOIN memories m ON m.rowid = f.rowid
     WHERE memories_fts MATCH ? AND f.rowid IN (SELECT value FROM json_each(?))`,
  ).all(expression, JSON.stringify(page.map(([rowid]) => rowid))) as (SummaryRow & {
    content: string;
    marked: string;
  })[];
  return new Map(rows.map((row) => [row.rowid, row]));
}

/** Centred on the first CJK run of the query the content holds, else on the index's first match. */
function snippetFor(content: string, terms: readonly QueryTerm[], matchAt: number): string {
  for (const term of terms) {
    const at = term.run ? content.indexOf(term.run) : -1;
    if (at >= 0) return snippetAt(content, at);
  }
  return snippetAt(content, Math.max(0, matchAt));
}

/** A memory's share of its relevance, from 2/3 to all of it: more for important and recent ones. */
function boost(importance: number | null, updatedMs: number, hour: number): number {
  const ageDays = Math.max(0, hour - updatedMs) / DAY_MS;
  const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
  const weight = Math.min(1, Math.max(0, importance ?? 0.5));
  return (1 + 0.3 * weight + 0.2 * recency) / 1.5;
}

/** Higher score first, then the newer row: one order between calls. */
function insertRanked(list: [number, number][], item: [number, number], limit: number): void {
  const above = (a: [number, number], b: [number, number]) => a[1] > b[1] || (a[1] === b[1] && a[0] > b[0]);
  if (list.length >= limit && !above(item, list[list.length - 1]!)) return;
  let at = list.length;
  while (at > 0 && above(item, list[at - 1]!)) at--;
  list.splice(at, 0, item);
  if (list.length > limit) list.pop();
}
