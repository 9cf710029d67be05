/**
 * The vectors of a memory database in SQL: which model computed a row (vector_models gives each
 * model id a small number), the write that gives a row its change number, and the reads the
 * background fill needs (memories without a vector of the current model, their text).
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { VECTOR_SEQ } from './memory-schema.js';
import { encodeVector } from './vector-codec.js';

type Sql = (text: string) => Database.Statement;

/** A vector and what it was computed from: it is stored only while the memory's text is still that. */
export interface MemoryVector {
  model: string;
  text: string;
  vector: Float32Array;
}

/** A query's vector, compared only with vectors of the same model. */
export interface QueryVector {
  model: string;
  vector: Float32Array;
}

/** The fields a memory's vector is computed from (memory-schema.ts voids it when one changes). */
export interface EmbeddedFields {
  title?: string | undefined;
  summary?: string | undefined;
  tags?: readonly string[] | undefined;
  content: string;
}

/** Of a long memory, the start: a static model's mean over more words moves little, and costs more. */
const EMBEDDED_CHARS = 8000;

export function embeddingText(fields: EmbeddedFields): string {
  const parts = [fields.title, fields.summary, (fields.tags ?? []).join(' '), fields.content];
  return parts
    .filter((part): part is string => Boolean(part))
    .join('\n')
    .slice(0, EMBEDDED_CHARS);
}

export function knownModel(sql: Sql, name: string): number | undefined {
  return sql('SELECT id FROM vector_models WHERE name = ?').pluck().get(name) as number | undefined;
}

/** The model's number, given one now if it has none (inside a write transaction). */
export function modelNumber(sql: Sql, name: string): number {
  return (
    knownModel(sql, name) ??
    Number(sql('INSERT INTO vector_models (name) VALUES (?)').run(name).lastInsertRowid)
  );
}

/** Stores a memory's vector with the next change number (inside a write transaction). */
export function writeVector(sql: Sql, rowid: number, model: number, vector: Float32Array): void {
  sql(`UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = '${VECTOR_SEQ}'`).run();
  sql(
    `INSERT INTO memory_vectors (memory, model, seq, vector)
     VALUES (?, ?, (SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${VECTOR_SEQ}'), ?)
     ON CONFLICT (memory) DO UPDATE SET model = excluded.model, seq = excluded.seq, vector = excluded.vector`,
  ).run(rowid, model, encodeVector(vector));
}

/**
 * The memories with rowids in [from, below) that have no vector of this model, newest first;
 * read from the small memories_scoring index and the vectors' primary key, not the rows.
 */
export function unembedded(sql: Sql, model: number | undefined, from: number, below: number): number[] {
  return sql(
    `SELECT m.rowid FROM memories m INDEXED BY memories_scoring
     LEFT JOIN memory_vectors v ON v.memory = m.rowid
     WHERE m.rowid >= ? AND m.rowid < ? AND v.model IS NOT ?
     ORDER BY m.rowid DESC`,
  )
    .pluck()
    .all(from, below, model ?? -1) as number[];
}

/** The text each readable memory's vector comes from. */
export function embeddingTexts(sql: Sql, rowids: readonly number[]): { rowid: number; text: string }[] {
  const rows = sql(
    `SELECT rowid, title, summary, tags, content FROM memories
     WHERE rowid IN (SELECT value FROM json_each(?)) AND sealed IS NULL`,
  ).all(JSON.stringify(rowids)) as {
    rowid: number;
    title: string;
    summary: string;
    tags: string;
    content: string;
  }[];
  return rows.map((row) => ({
    rowid: row.rowid,
    text: embeddingText({ ...row, tags: JSON.parse(row.tags) as string[] }),
  }));
}
