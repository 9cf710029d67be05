/**
 * Which slot of a process's copy of the vectors (vector-index.ts) holds each memory's.
 */

/** Rowids below this have their slot in a table; any above, in a Map (a store written by hand). */
const TABLE_ROWIDS = 1 << 24;

/**
 * Each rowid's slot: in a table indexed by rowid (slot + 1, 0 for none), 4 bytes a rowid where a
 * Map took about 36 a memory and a tenth of the start's time to fill at 100,000.
 */
export class Slots {
  private table = new Int32Array(0);
  private readonly others = new Map<number, number>();

  /** The rowid's slot, or -1. */
  get(rowid: number): number {
    if (rowid < TABLE_ROWIDS) return rowid < this.table.length ? this.table[rowid]! - 1 : -1;
    return this.others.get(rowid) ?? -1;
  }

  set(rowid: number, slot: number): void {
    if (rowid >= TABLE_ROWIDS) {
      this.others.set(rowid, slot);
      return;
    }
    if (rowid >= this.table.length)
      this.reserve(Math.max(rowid, this.table.length + (this.table.length >> 3)));
    this.table[rowid] = slot + 1;
  }

  /** Room for rowids up to `highest`. */
  reserve(highest: number): void {
    const length = Math.min(TABLE_ROWIDS, Math.max(highest + 1, 1024));
    if (length <= this.table.length) return;
    const grown = new Int32Array(length);
    grown.set(this.table);
    this.table = grown;
  }

  delete(rowid: number): void {
    if (rowid >= TABLE_ROWIDS) this.others.delete(rowid);
    else if (rowid < this.table.length) this.table[rowid] = 0;
  }
}
