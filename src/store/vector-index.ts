/**
 * One process's copy of a store's vectors of one model, in memory, searched by brute force in
 * two passes: the binary codes of every memory by Hamming distance to the query's (about 2 ms at
 * 100,000 memories of 256 dimensions, where an int8 dot product over all of them took 40-60 ms),
 * then the int8 codes of the POOL nearest by that measure, whose cosines decide the order.
 *
 * It stays current with every process's writes through the rows' change numbers (seq): each
 * search reads the store's last number, one row of the meta table, and, when it moved, the rows
 * changed since. A row voided by a delete or a text change (model 0) leaves the copy.
 */
import type Database from 'better-sqlite3-multiple-ciphers';
import { VECTOR_SEQ } from './memory-schema.js';
import { blobDimensions, codeWords, decodeInto, signBits } from './vector-codec.js';

type Sql = (text: string) => Database.Statement;

/** How many memories the binary pass keeps for the int8 pass. */
export const POOL = 400;

type VectorRow = [memory: number, model: number, seq: number, vector: Buffer];

export class VectorIndex {
  private size = 0;
  private capacity = 0;
  private rowids = new Float64Array(0);
  private scales = new Float32Array(0);
  private codes = new Int8Array(0);
  private bits = new Int32Array(0);
  private distances = new Uint16Array(0);
  private readonly slots = new Map<number, number>();
  private readonly words: number;
  /** The last change number read; -1 before the first load. */
  private seen = -1;

  constructor(
    private readonly sql: Sql,
    readonly model: number,
    readonly dimensions: number,
  ) {
    this.words = codeWords(dimensions);
  }

  /** Memories of this model held. */
  get count(): number {
    return this.size;
  }

  has(rowid: number): boolean {
    return this.slots.has(rowid);
  }

  /** Reads what any process changed since the last call: everything on the first. */
  sync(): void {
    const last = Number(this.sql('SELECT value FROM meta WHERE key = ?').pluck().get(VECTOR_SEQ) ?? 0);
    if (last === this.seen) return;
    // Room for every memory at once (the highest rowid is about their number), not by doublings.
    if (this.seen < 0) {
      this.grow(Number(this.sql('SELECT coalesce(max(rowid), 0) FROM memories').pluck().get()));
    }
    // Row by row: a first load of 100,000 rows held at once would grow the heap by their buffers.
    const rows =
      this.seen < 0
        ? (this.sql('SELECT memory, model, seq, vector FROM memory_vectors WHERE model = ?')
            .raw()
            .iterate(this.model) as IterableIterator<VectorRow>)
        : (this.sql('SELECT memory, model, seq, vector FROM memory_vectors WHERE seq > ? ORDER BY seq')
            .raw()
            .iterate(this.seen) as IterableIterator<VectorRow>);
    let seen = last;
    for (const [memory, model, seq, vector] of rows) {
      seen = Math.max(seen, seq);
      if (model === this.model && blobDimensions(vector) === this.dimensions) this.put(memory, vector);
      else this.remove(memory);
    }
    this.seen = seen;
  }

  private put(rowid: number, blob: Buffer): void {
    let slot = this.slots.get(rowid);
    if (slot === undefined) {
      if (this.size === this.capacity) this.grow();
      slot = this.size++;
      this.slots.set(rowid, slot);
      this.rowids[slot] = rowid;
    }
    const offset = slot * this.dimensions;
    this.scales[slot] = decodeInto(blob, this.codes, offset);
    signBits(this.codes.subarray(offset, offset + this.dimensions), this.bits, slot * this.words);
  }

  private remove(rowid: number): void {
    const slot = this.slots.get(rowid);
    if (slot === undefined) return;
    this.slots.delete(rowid);
    const last = --this.size;
    if (slot === last) return;
    // The last slot moves into the hole, so every slot below `size` stays in use.
    const moved = this.rowids[last]!;
    this.rowids[slot] = moved;
    this.scales[slot] = this.scales[last]!;
    const d = this.dimensions;
    this.codes.copyWithin(slot * d, last * d, last * d + d);
    this.bits.copyWithin(slot * this.words, last * this.words, last * this.words + this.words);
    this.slots.set(moved, slot);
  }

  private grow(least = 0): void {
    const capacity = Math.max(1024, this.capacity * 2, least);
    const grown = <T extends Float64Array | Float32Array | Int8Array | Int32Array>(
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
    this.codes = grown(this.codes, (n) => new Int8Array(n), this.dimensions);
    this.bits = grown(this.bits, (n) => new Int32Array(n), this.words);
    this.capacity = capacity;
  }

  /** The cosine of the query with one memory's vector, if this copy holds one. */
  similarity(query: Float32Array, rowid: number): number | undefined {
    const slot = this.slots.get(rowid);
    return slot === undefined ? undefined : this.cosine(query, slot);
  }

  private cosine(query: Float32Array, slot: number): number {
    const { codes, dimensions } = this;
    const offset = slot * dimensions;
    let sum = 0;
    for (let at = 0; at < dimensions; at++) sum += query[at]! * codes[offset + at]!;
    return sum * this.scales[slot]!;
  }

  /** Up to `pool` memories nearest the query (a unit vector), most similar first, with their cosines. */
  nearest(query: Float32Array, pool = POOL): [rowid: number, cosine: number][] {
    if (query.length !== this.dimensions || this.size === 0) return [];
    const kept = this.size <= pool ? [...Array(this.size).keys()] : this.closestByBits(query, pool);
    return kept
      .map((slot): [number, number] => [this.rowids[slot]!, this.cosine(query, slot)])
      .sort((a, b) => b[1] - a[1] || b[0] - a[0]);
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
