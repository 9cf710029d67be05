/**
 * One process's copy of a store's vectors of one model, in memory, searched by brute force in
 * two passes: the binary codes of every memory by Hamming distance to the query's (about 2 ms at
 * 100,000 memories of 256 dimensions, where an int8 dot product over all of them took 40-60 ms),
 * then the 4-bit codes of the POOL nearest by that measure, whose cosines decide the order
 * (vector-codec.ts says why 4 bits).
 *
 * A start reads the model's snapshot (vector-snapshot.ts: rowids and binary codes, 4 MB at
 * 100,000) and the rows changed since, so the first search needs no pass over every row; the
 * 4-bit codes of the memories the snapshot brought are then read in the background, a part of
 * the snapshot at a time (`loadCodes`; from their rows if the snapshot was replaced meanwhile),
 * and until a memory's are, a search that needs its cosine makes them from its row's int8 codes,
 * read with the others it needs in one statement. Without a snapshot the first sync reads every row.
 *
 * It stays current with every process's writes through the rows' change numbers (seq): each
 * search reads the store's last number, one row of the meta table, and, when it moved, the rows
 * changed since. A row voided by a delete or a text change (model 0) leaves the copy. `sync`
 * and `loadCodes` run inside a read (or write) transaction, so the last number and the rows agree.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { VECTOR_SEQ } from './memory-schema.js';
import {
  blobDimensions,
  codeWords,
  decodeInto,
  nibbleBytes,
  nibbleDot,
  packNibbles,
  signBits,
} from './vector-codec.js';
import { Slots } from './vector-slots.js';
import {
  PART,
  readSnapshot,
  readSnapshotPart,
  type SnapshotArrays,
  type StoredSnapshot,
} from './vector-snapshot.js';

type Sql = (text: string) => Database.Statement;

/** How many memories the binary pass keeps for the 4-bit pass. */
export const POOL = 400;

type VectorRow = [memory: number, model: number, seq: number, vector: Buffer];

/** How this copy was first read: from a snapshot or not, and how many rows besides. */
export interface VectorLoad {
  snapshot: boolean;
  rows: number;
}

export class VectorIndex {
  private size = 0;
  private capacity = 0;
  private rowids = new Float64Array(0);
  private scales = new Float32Array(0);
  private codes = new Uint8Array(0);
  private bits = new Int32Array(0);
  /** 1 where a slot's 4-bit codes are in memory (a snapshot brings only the binary ones). */
  private coded = new Uint8Array(0);
  /** Slots whose 4-bit codes are not in memory yet, and where `loadCodes` looks next. */
  private uncoded = 0;
  private cursor = 0;
  /** The snapshot started from, until its parts of 4-bit codes are read: its seq, rowids, next part. */
  private parts: { seq: number; rowids: Float64Array; next: number } | undefined;
  private distances = new Uint16Array(0);
  private readonly slots = new Slots();
  private readonly words: number;
  private readonly bytes: number;
  /** One row's int8 codes, decoded on the way to its 4-bit ones. */
  private readonly row: Int8Array;
  /** The last change number read; -1 before the first load. */
  private seen = -1;
  /** How the first sync read the vectors. */
  loaded: VectorLoad | undefined;

  constructor(
    private readonly sql: Sql,
    readonly model: number,
    readonly dimensions: number,
  ) {
    this.words = codeWords(dimensions);
    this.bytes = nibbleBytes(dimensions);
    this.row = new Int8Array(dimensions);
  }

  /** Memories of this model held. */
  get count(): number {
    return this.size;
  }

  /** The change number this copy is current to. */
  get seq(): number {
    return this.seen;
  }

  /** Memories held whose 4-bit codes are still to be read (`loadCodes`). */
  get pending(): number {
    return this.uncoded;
  }

  has(rowid: number): boolean {
    return this.slots.get(rowid) >= 0;
  }

  /** Reads what any process changed since the last call: on the first, the snapshot and the rows past it, or every row. */
  sync(): void {
    const last = Number(this.sql('SELECT value FROM meta WHERE key = ?').pluck().get(VECTOR_SEQ) ?? 0);
    if (last === this.seen) return;
    let rows: IterableIterator<VectorRow>;
    const first = this.seen < 0;
    if (first) {
      const snapshot = readSnapshot(this.sql, this.model, this.dimensions, last);
      if (snapshot) {
        this.restore(snapshot);
        rows = this.changedSince(snapshot.seq);
      } else {
        // Room for every memory at once (the highest rowid is about their number), not by growing.
        const highest = Number(this.sql('SELECT coalesce(max(rowid), 0) FROM memories').pluck().get());
        this.grow(highest);
        this.slots.reserve(highest);
        // Row by row: a first load of 100,000 rows held at once would grow the heap by their buffers.
        rows = this.sql('SELECT memory, model, seq, vector FROM memory_vectors WHERE model = ?')
          .raw()
          .iterate(this.model) as IterableIterator<VectorRow>;
      }
      this.loaded = { snapshot: snapshot !== undefined, rows: 0 };
    } else {
      rows = this.changedSince(this.seen);
    }
    let read = 0;
    for (const [memory, model, , vector] of rows) {
      read++;
      if (model === this.model && blobDimensions(vector) === this.dimensions) this.put(memory, vector);
      else this.remove(memory);
    }
    if (first && this.loaded) this.loaded.rows = read;
    this.seen = last;
  }

  private changedSince(seq: number): IterableIterator<VectorRow> {
    return this.sql('SELECT memory, model, seq, vector FROM memory_vectors WHERE seq > ? ORDER BY seq')
      .raw()
      .iterate(seq) as IterableIterator<VectorRow>;
  }

  /** Takes the snapshot's rowids and binary codes, with room for a sixteenth more memories. */
  private restore(snapshot: StoredSnapshot): void {
    const { count } = snapshot;
    this.grow(count + (count >> 4));
    const into = (array: Float64Array | Int32Array, blob: Buffer) =>
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
        blob.subarray(0, array.byteLength),
      );
    into(this.rowids, snapshot.rowids);
    into(this.bits, snapshot.bits);
    this.size = count;
    this.uncoded = count;
    this.parts = { seq: snapshot.seq, rowids: this.rowids.slice(0, count), next: 0 };
    let highest = 0;
    for (let slot = 0; slot < count; slot++) highest = Math.max(highest, this.rowids[slot]!);
    this.slots.reserve(highest);
    for (let slot = 0; slot < count; slot++) this.slots.set(this.rowids[slot]!, slot);
  }

  /** This copy's arrays, as long as the memories it holds (for a snapshot; all codes read). */
  arrays(): SnapshotArrays {
    const { size } = this;
    return {
      rowids: this.rowids.subarray(0, size),
      bits: this.bits.subarray(0, size * this.words),
      scales: this.scales.subarray(0, size),
      codes: this.codes.subarray(0, size * this.bytes),
    };
  }

  /**
   * Reads the 4-bit codes of a part of the snapshot started from, or, once none is left (or the
   * snapshot was replaced), of up to `batch` memories that lack them from their rows (one
   * statement, rowids close together, so few pages); true while some still lack them.
   */
  loadCodes(batch: number): boolean {
    if (this.uncoded === 0) this.parts = undefined;
    if (this.parts) {
      this.loadPart(this.parts);
      return this.uncoded > 0;
    }
    const wanted: number[] = [];
    for (let looked = 0; looked < this.size && wanted.length < batch && this.uncoded > 0; looked++) {
      if (this.cursor >= this.size) this.cursor = 0;
      if (this.coded[this.cursor] === 0) wanted.push(this.rowids[this.cursor]!);
      this.cursor++;
    }
    if (wanted.length === 0) return false;
    for (const [memory, vector] of this.rowsOf(wanted)) {
      if (blobDimensions(vector) === this.dimensions) this.put(memory, vector);
    }
    // A memory whose row is gone or of another model: not one of this model's, whatever the snapshot said.
    for (const rowid of wanted) {
      const slot = this.slots.get(rowid);
      if (slot >= 0 && this.coded[slot] === 0) this.remove(rowid);
    }
    return this.uncoded > 0;
  }

  /**
   * The next part's codes, for the memories that still lack theirs: their rows are as the
   * snapshot had them (a change since would have given them codes from the row).
   */
  private loadPart(parts: { seq: number; rowids: Float64Array; next: number }): void {
    const part = readSnapshotPart(this.sql, this.model, parts.seq, parts.next);
    const from = parts.next * PART;
    parts.next++;
    if (!part || from + PART >= parts.rowids.length) this.parts = undefined;
    if (!part) return;
    const to = Math.min(parts.rowids.length, from + PART);
    const scales = new Float32Array(
      part.scales.buffer.slice(part.scales.byteOffset, part.scales.byteOffset + part.scales.byteLength),
    );
    const { bytes } = this;
    // Runs of memories still in their snapshot slot, as nearly all are, are copied in one go.
    let run = -1;
    const flush = (end: number) => {
      if (run >= 0)
        this.codes.set(part.codes.subarray((run - from) * bytes, (end - from) * bytes), run * bytes);
      run = -1;
    };
    for (let at = from; at < to; at++) {
      const slot = this.slots.get(parts.rowids[at]!);
      if (slot < 0 || this.coded[slot] === 1) {
        flush(at);
        continue;
      }
      if (slot === at) {
        if (run < 0) run = at;
      } else {
        flush(at);
        this.codes.set(part.codes.subarray((at - from) * bytes, (at - from + 1) * bytes), slot * bytes);
      }
      this.scales[slot] = scales[at - from]!;
      this.coded[slot] = 1;
      this.uncoded--;
    }
    flush(to);
  }

  /** The int8 rows of these memories, of this model. */
  private rowsOf(rowids: readonly number[]): [memory: number, vector: Buffer][] {
    return this.sql(
      'SELECT memory, vector FROM memory_vectors WHERE memory IN (SELECT value FROM json_each(?)) AND model = ?',
    )
      .raw()
      .all(JSON.stringify(rowids), this.model) as [number, Buffer][];
  }

  private put(rowid: number, blob: Buffer): void {
    let slot = this.slots.get(rowid);
    if (slot < 0) {
      if (this.size === this.capacity) this.grow();
      slot = this.size++;
      this.slots.set(rowid, slot);
      this.rowids[slot] = rowid;
    } else if (this.coded[slot] === 0) {
      this.uncoded--;
    }
    const scale = decodeInto(blob, this.row, 0);
    this.scales[slot] = packNibbles(this.row, scale, this.codes, slot * this.bytes);
    signBits(this.row, this.bits, slot * this.words);
    this.coded[slot] = 1;
  }

  private remove(rowid: number): void {
    const slot = this.slots.get(rowid);
    if (slot < 0) return;
    this.slots.delete(rowid);
    if (this.coded[slot] === 0) this.uncoded--;
    const last = --this.size;
    if (slot === last) return;
    // The last slot moves into the hole, so every slot below `size` stays in use.
    const moved = this.rowids[last]!;
    this.rowids[slot] = moved;
    this.scales[slot] = this.scales[last]!;
    this.coded[slot] = this.coded[last]!;
    const b = this.bytes;
    this.codes.copyWithin(slot * b, last * b, last * b + b);
    this.bits.copyWithin(slot * this.words, last * this.words, last * this.words + this.words);
    this.slots.set(moved, slot);
    // An uncoded slot moved behind the cursor is looked at again.
    if (this.coded[slot] === 0) this.cursor = Math.min(this.cursor, slot);
  }

  /** Room for `least` memories, or an eighth more: doubling would hold twice the codes it needs. */
  private grow(least = 0): void {
    const capacity = Math.max(least, this.capacity + Math.max(1024, this.capacity >> 3));
    const grown = <T extends Float64Array | Float32Array | Uint8Array | Int32Array>(
      old: T,
      make: (length: number) => T,
      per: number,
    ): T => {
      const next = make(capacity * per);
      next.set(old as never);
      return next;
    };
    this.rowids = grown(this.rowids, (n) => new Float64Array(n), 1);
    this.scales = grown(this.scales, (n) => new Float32Array(n), 1);
    this.codes = grown(this.codes, (n) => new Uint8Array(n), this.bytes);
    this.bits = grown(this.bits, (n) => new Int32Array(n), this.words);
    this.coded = grown(this.coded, (n) => new Uint8Array(n), 1);
    this.capacity = capacity;
  }

  /**
   * The cosine of the query with each of these memories this copy holds, from their 4-bit codes;
   * those not read yet are made from their rows' int8 codes first, in one statement. Not the int8
   * cosine itself: it differs from the 4-bit one by about 0.006, so a page asked while the codes
   * load would be scored apart from the next, and its cursor skip or repeat memories there.
   */
  similarities(query: Float32Array, rowids: readonly number[]): Map<number, number> {
    const unread = rowids.filter((rowid) => {
      const slot = this.slots.get(rowid);
      return slot >= 0 && this.coded[slot] === 0;
    });
    if (unread.length > 0) {
      for (const [memory, vector] of this.rowsOf(unread)) {
        if (blobDimensions(vector) === this.dimensions) this.put(memory, vector);
      }
    }
    const cosines = new Map<number, number>();
    for (const rowid of rowids) {
      const slot = this.slots.get(rowid);
      if (slot >= 0 && this.coded[slot] === 1)
        cosines.set(rowid, nibbleDot(query, this.codes, slot * this.bytes) * this.scales[slot]!);
    }
    return cosines;
  }

  /** Up to `pool` memories nearest the query (a unit vector), most similar first, with their cosines. */
  nearest(query: Float32Array, pool = POOL): [rowid: number, cosine: number][] {
    if (query.length !== this.dimensions || this.size === 0) return [];
    const kept = this.size <= pool ? [...Array(this.size).keys()] : this.closestByBits(query, pool);
    const cosines = this.similarities(
      query,
      kept.map((slot) => this.rowids[slot]!),
    );
    return [...cosines].sort((a, b) => b[1] - a[1] || b[0] - a[0]);
  }

  /** The `pool` slots whose binary codes are nearest the query's; ties at the edge by slot order. */
  private closestByBits(query: Float32Array, pool: number): number[] {
    const { words, bits, size } = this;
    const mine = new Int32Array(words);
    signBits(query, mine, 0);
    if (this.distances.length < size) this.distances = new Uint16Array(this.capacity);
    const distances = this.distances;
    const histogram = new Uint32Array(words * 32 + 1);
    for (let slot = 0, offset = 0; slot < size; slot++, offset += words) {
      let distance = 0;
      for (let word = 0; word < words; word++) {
        // A popcount, written out: this loop runs once per memory and word.
        let x = bits[offset + word]! ^ mine[word]!;
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        distance += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
      }
      distances[slot] = distance;
      histogram[distance]!++;
    }
    let edge = 0;
    for (let total = 0; edge < histogram.length; edge++) {
      total += histogram[edge]!;
      if (total >= pool) break;
    }
    const kept: number[] = [];
    const atEdge: number[] = [];
    for (let slot = 0; slot < size; slot++) {
      const distance = distances[slot]!;
      if (distance < edge) kept.push(slot);
      else if (distance === edge && atEdge.length < pool) atEdge.push(slot);
    }
    for (const slot of atEdge) {
      if (kept.length >= pool) break;
      kept.push(slot);
    }
    return kept;
  }
}
