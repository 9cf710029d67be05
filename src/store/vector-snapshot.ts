/**
 * A compact copy of what the first pass of a search by meaning needs of one model's vectors
 * (vector-index.ts): the rowids and the binary codes, each array in one BLOB, with the change
 * number (seq) it is current to. A start reads it, 4 MB at 100,000 memories of 256 dimensions, in
 * about 20 ms, then only the rows changed since; reading the 100,000 rows one by one took about
 * 0.5 s, SQLite decrypting and stepping through 26 MB of them. (With the 4-bit codes too, 17 MB,
 * the read took 70-80 ms: the file's cipher decrypts about 250 MB/s here; those codes are read
 * from the rows in the background instead.)
 *
 * A snapshot is written in one transaction with the rows it was read from current (inside the
 * write lock), so it is exactly the rows' state at its seq; every later change to a row gives the
 * row a higher seq, so replaying the rows past it brings it up to date whichever process wrote
 * them, and a crash at any point leaves the last committed snapshot, still exact at its own seq.
 * It lives in the same encrypted file as the rows. Snapshots of other models are dropped when one
 * is written: a store's vectors are re-embedded when the model changes.
 */
import os from 'node:os';
import type Database from 'better-sqlite3-multiple-ciphers';

type Sql = (text: string) => Database.Statement;

/** The layout of the arrays; a snapshot of another is not read (and rewritten on the next write). */
const FORMAT = 1;

/** The arrays are written in the machine's byte order; only little-endian machines use snapshots. */
const USABLE = os.endianness() === 'LE';

export interface SnapshotArrays {
  rowids: Float64Array;
  bits: Int32Array;
}

export interface StoredSnapshot {
  seq: number;
  count: number;
  rowids: Buffer;
  bits: Buffer;
}

/** The change number of the model's snapshot, if it has one this process can read. */
export function snapshotSeq(sql: Sql, model: number): number | undefined {
  if (!USABLE) return undefined;
  return sql('SELECT seq FROM vector_snapshots WHERE model = ? AND format = ?').pluck().get(model, FORMAT) as
    | number
    | undefined;
}

/** The model's snapshot of vectors of `dimensions`, when there is one no newer than the rows (`last`). */
export function readSnapshot(
  sql: Sql,
  model: number,
  dimensions: number,
  last: number,
): StoredSnapshot | undefined {
  if (!USABLE) return undefined;
  const row = sql(
    `SELECT seq, count, rowids, bits FROM vector_snapshots
     WHERE model = ? AND format = ? AND dimensions = ?`,
  ).get(model, FORMAT, dimensions) as StoredSnapshot | undefined;
  // A seq past the rows' would be a file put back from a copy beside a newer snapshot: not trusted.
  return row && row.seq <= last ? row : undefined;
}

/** Replaces the model's snapshot, and drops any of another model (inside a write transaction). */
export function writeSnapshot(
  sql: Sql,
  model: number,
  dimensions: number,
  seq: number,
  count: number,
  arrays: SnapshotArrays,
): void {
  if (!USABLE) return;
  const bytes = (array: Float64Array | Int32Array) =>
    Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  sql('DELETE FROM vector_snapshots WHERE model <> ?').run(model);
  sql(
    `INSERT INTO vector_snapshots (model, format, dimensions, seq, count, rowids, bits)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model) DO UPDATE SET format = excluded.format, dimensions = excluded.dimensions,
       seq = excluded.seq, count = excluded.count, rowids = excluded.rowids, bits = excluded.bits`,
  ).run(model, FORMAT, dimensions, seq, count, bytes(arrays.rowids), bytes(arrays.bits));
}
