/**
 * Random bytes for ids and IVs, drawn from a pool refilled 4 KiB at a time: one call into the
 * system's generator per few hundred writes instead of two per write. Each byte is handed out
 * once. Keys are not drawn from here; they come straight from crypto.randomBytes.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

export function randomBytesPooled(count: number): Buffer {
  if (count > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} pooled random bytes at a time`);
  if (offset + count > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + count));
  pool.fill(0, offset, offset + count);
  offset += count;
  return bytes;
}

/** A new memory or tag id: the prefix and 24 hex digits, as Memoram spells its ids. */
export function newId(prefix: 'mem' | 'tag'): string {
  return `${prefix}_${randomBytesPooled(12).toString('hex')}`;
}
