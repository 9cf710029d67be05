/**
 * A compact copy of one model's vectors as a process holds them in memory (vector-index.ts),
 * current to a change number (seq): the rowids and the binary codes, each array in one BLOB,
 * which a start reads (4 MB at 100,000 memories of 256 dimensions, about 20 ms), then the rows
 * changed since; and the 4-bit codes with their scales in parts of PART memories, which the start
 * reads afterwards in the background, a part a turn. Reading the 100,000 rows one by one took
 * about 0.5 s (SQLite decrypting and stepping through 26 MB), and the 13 MB of 4-bit codes in one
 * BLOB 50-80 ms (this file's cipher decrypts about 250 MB/s here): too long for the first search
 * to wait, or for a search to wait behind.
 *
 * A snapshot is written in one transaction with the rows it was read from current (inside the
 * write lock), so it is exactly the rows' state at its seq; every later change to a row gives the
 * row a higher seq, so replaying the rows past it brings it up to date whichever process wrote
 * them, and a crash at any point leaves the last committed snapshot, still exact at its own seq.
 * A part is read only with its head's seq: a part of a newer snapshot is never mixed in. It lives
 * in the same encrypted file as the rows. Snapshots of other models are dropped when one is
 * written: a store's vectors are re-embedded when the model changes.
 */
import os from 'node:os';
import type Database from 'better-sqlite3-multiple-ciphers';

type Sql = (text: string) => Database.Statement;

/** The layout of the arrays; a snapshot of another is not read (and rewritten on the next write). */
const FORMAT = 1;

/** The arrays are written in the machine's byte order; only little-endian machines use snapshots. */
const USABLE = os.endianness() === 'LE';

/** Memories per part of the 4-bit codes: 1 MiB of codes at 256 dimensions, a few ms to read. */
export const PART = 8192;

export interface SnapshotArrays {
  rowids: Float64Array;
  bits: Int32Array;
  scales: Float32Array;
  codes: Uint8Array;
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
  const bytes = (array: Float64Array | Float32Array | Int32Array | Uint8Array) =>
    Buffer.from(array.buffer, array.byteOffset, array.byteLength);
  sql('DELETE FROM vector_snapshots WHERE model <> ?').run(model);
  sql('DELETE FROM vector_snapshot_parts WHERE model <> ? OR part >= ?').run(model, Math.ceil(count / PART));
  const perCode = arrays.codes.length / Math.max(1, count);
  for (let part = 0; part * PART < count; part++) {
    const from = part * PART;
    const to = Math.min(count, from + PART);
    sql(
      `INSERT INTO vector_snapshot_parts (model, part, seq, scales, codes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (model, part) DO UPDATE SET seq = excluded.seq, scales = excluded.scales, codes = excluded.codes`,
    ).run(
      model,
      part,
      seq,
      bytes(arrays.scales.subarray(from, to)),
      bytes(arrays.codes.subarray(from * perCode, to * perCode)),
    );
  }
  sql(
    `INSERT INTO vector_snapshots (model, format, dimensions, seq, count, rowids, bits)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (model) DO UPDATE SET format = excluded.format, dimensions = excluded.dimensions,
       seq = excluded.seq, count = excluded.count, rowids = excluded.rowids, bits = excluded.bits`,
  ).run(model, FORMAT, dimensions, seq, count, bytes(arrays.rowids), bytes(arrays.bits));
}

/** One part of the 4-bit codes of the model's snapshot at `seq`, if that snapshot is still the stored one. */
export function readSnapshotPart(
  sql: Sql,
  model: number,
  seq: number,
  part: number,
): { scales: Buffer; codes: Buffer } | undefined {
  return sql('SELECT scales, codes FROM vector_snapshot_parts WHERE model = ? AND part = ? AND seq = ?').get(
    model,
    part,
    seq,
  ) as { scales: Buffer; codes: Buffer } | undefined;
}
