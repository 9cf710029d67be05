/**
 * The database key: derived with HKDF-SHA256 from the 32-byte local key under a fixed label, so
 * the key that encrypts the store file is never the key itself, and another use of the local key
 * (content fingerprints) gets an unrelated one. The local key is random, so no password KDF is
 * needed and opening stays fast.
 */
import { hkdfSync } from 'node:crypto';
import { KEY_BYTES } from './codec.js';

const LABEL = 'memoram-mcp store database key v1';

export function storeKeyFrom(localKey: Buffer): Buffer {
  if (localKey.length !== KEY_BYTES) throw new RangeError(`the local key must be ${KEY_BYTES} bytes`);
  return Buffer.from(hkdfSync('sha256', localKey, Buffer.alloc(0), LABEL, KEY_BYTES));
}
