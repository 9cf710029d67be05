/**
 * Near-duplicates through the index: the new text's rarest words (fewest matching memories, each
 * count bounded) pick candidates by BM25, and an exact word-set Jaccard over the candidates'
 * content decides. Every step reads a bounded number of rows, so a create costs the same in a
 * store of a thousand memories or a million, whatever they look like.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { fold, quote } from './query.js';
import { STOP_WORDS } from './stop-words.js';

export const SIMILAR_THRESHOLD = 0.6;
const WORDS_WEIGHED = 24;
const RARE_WORDS = 6;
const COUNT_CAP = 50;
const SCORED = 500;
const CANDIDATES = 20;
const REPORTED = 5;

type Sql = (text: string) => Database.Statement;

export function wordSet(text: string): Set<string> {
  return new Set((text.match(/[\p{L}\p{N}\p{M}]+/gu) ?? []).map(fold));
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

export function findSimilar(sql: Sql, content: string, excludeId?: string): Similar[] {
  const words = wordSet(content);
  const weighed = [...words]
    .filter((word) => word.length >= 3 && !STOP_WORDS.has(word))
    .sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
    .slice(0, WORDS_WEIGHED);
  const count = sql(
    `SELECT count(*) FROM (SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? LIMIT ${COUNT_CAP + 1})`,
  ).pluck();
  const rare = weighed
    .map((word) => ({ word, docs: count.get(quote(word)) as number }))
    .filter(({ docs }) => docs > 0)
    .sort((a, b) => a.docs - b.docs)
    .slice(0, RARE_WORDS);
  if (rare.length === 0) return [];
  const expr = rare.map(({ word }) => quote(word)).join(' OR ');
  const bound = sql(
    `SELECT rowid FROM memories_fts WHERE memories_fts MATCH ? ORDER BY rowid DESC LIMIT 1 OFFSET ${SCORED}`,
  )
    .pluck()
    .get(expr) as number | undefined;
  const candidates = sql(
    `SELECT m.rowid, m.id, m.title, m.content FROM memories m JOIN (
       SELECT rowid, rank FROM memories_fts WHERE memories_fts MATCH ? AND rowid > ? ORDER BY rank LIMIT ${CANDIDATES}
     ) f ON f.rowid = m.rowid WHERE m.sealed IS NULL`,
  ).all(expr, bound ?? -1) as { rowid: number; id: string; title: string; content: string }[];
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
