/**
 * Near-duplicates through the index: the new text's rarest words (fewest matching memories, each
 * count bounded) pick the candidates, the memories sharing most of them, and an exact word-set
 * Jaccard over the candidates' content decides. Every step reads a bounded number of rows, so a create costs the same in a
 * store of a thousand memories or a million, whatever they look like.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { fold, quote } from './query.js';
import type { SqlClause } from './scope-filter.js';
import { STOP_WORDS } from './stop-words.js';

export const SIMILAR_THRESHOLD = 0.6;
const WORDS_WEIGHED = 10;
const RARE_WORDS = 6;
const COUNT_CAP = 50;
const CANDIDATES = 20;
const REPORTED = 5;

type Sql = (text: string) => Database.Statement;

export function wordSet(text: string): Set<string> {
  return new Set(fold(text).match(/[\p{L}\p{N}]+/gu) ?? []);
}

export function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

export interface Similar {
  rowid: number;
  id: string;
  title: string;
  similarity: number;
}

/** `scope`: which memories may be reported (a create sees its own scope and global ones). */
export function findSimilar(
  sql: Sql,
  content: string,
  excludeId?: string,
  scope?: SqlClause | null,
): Similar[] {
  const words = wordSet(content);
  const weighed = [...words]
    .filter((word) => word.length >= 3 && !STOP_WORDS.has(word))
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .slice(0, WORDS_WEIGHED);
  // Each word's first matches, at most COUNT_CAP + 1: a word with fewer is rare, and complete.
  // In rowid order, as FTS5 reads a term's list forwards: reading it backwards loads all of it.
  const matches = sql(
    `SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? LIMIT ${COUNT_CAP + 1}`,
  ).pluck();
  const rare = weighed
    .map((word) => matches.all(quote(word)) as number[])
    .filter((rows) => rows.length > 0)
    .sort((a, b) => a.length - b.length)
    .slice(0, RARE_WORDS);
  // Candidates: the memories sharing the most of those words, rarer words first on ties.
  const shared = new Map<number, number>();
  for (const [at, rows] of rare.entries()) {
    for (const rowid of rows) shared.set(rowid, (shared.get(rowid) ?? 0) + 1 + 1 / (at + 2));
  }
  const ranked = [...shared].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const read = sql(
    `SELECT rowid, id, title, content FROM memories m WHERE rowid = ? AND sealed IS NULL AND ${scope?.sql ?? '1'}`,
  );
  // The first CANDIDATES the scope sees: cutting before the filter would let another scope's
  // closer matches crowd out this one's. Still bounded: `shared` holds at most
  // RARE_WORDS × (COUNT_CAP + 1) rows.
  const candidates: { rowid: number; id: string; title: string; content: string }[] = [];
  for (const [rowid] of ranked) {
    if (candidates.length === CANDIDATES) break;
    const row = read.get(rowid, ...(scope?.args ?? [])) as (typeof candidates)[number] | undefined;
    if (row) candidates.push(row);
  }
  return candidates
    .filter(({ id }) => id !== excludeId)
    .map(({ rowid, id, title, content: text }) => ({
      rowid,
      id,
      title,
      similarity: jaccard(words, wordSet(text)),
    }))
    .filter(({ similarity }) => similarity >= SIMILAR_THRESHOLD)
    .sort((a, b) => b.similarity - a.similarity || b.rowid - a.rowid)
    .slice(0, REPORTED);
}
