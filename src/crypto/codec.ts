/**
 * The content codec: AES-256-GCM over memory content, serialized as `hex(iv):hex(tag):hex(ciphertext)`
 * with a random 12-byte IV and a 16-byte tag (the Memoram contract's recommended envelope, §8.3).
 * This module owns the format; nothing else touches node:crypto ciphers.
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { randomBytesPooled } from './random.js';

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
const ENVELOPE = /^([0-9a-f]{24}):([0-9a-f]{32}):((?:[0-9a-f]{2})*)$/;

export class DecryptionError extends Error {
  override readonly name = 'DecryptionError';
}

/** Parses a hex key (as Memoram's `encryption_key`) into 32 bytes, or throws without echoing it. */
export function keyFromHex(hex: string): Buffer {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new DecryptionError(`an encryption key must be ${KEY_BYTES * 2} hex characters`);
  }
  return Buffer.from(hex, 'hex');
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new DecryptionError(`an encryption key must be ${KEY_BYTES} bytes`);
}

export function seal(plaintext: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytesPooled(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${iv.toString('hex')}:${cipher.getAuthTag().toString('hex')}:${body.toString('hex')}`;
}

/** Opens a sealed envelope; throws DecryptionError on a malformed envelope, a wrong key or tampering. */
export function open(sealed: string, key: Buffer): string {
  assertKey(key);
  const match = ENVELOPE.exec(sealed);
  if (!match) throw new DecryptionError('content is not in the expected encrypted format');
  const [, iv, tag, body] = match as unknown as [string, string, string, string];
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'hex'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(Buffer.from(tag, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'hex')), decipher.final()]).toString('utf8');
  } catch (cause) {
    throw new DecryptionError('content could not be decrypted with this key', { cause });
  }
}

/**
 * A keyed fingerprint of content, for finding identical memories without storing a plain hash
 * (a plain SHA-256 of short content could be guessed by brute force).
 */
export function fingerprint(content: string, key: Buffer): string {
  return createHmac('sha256', key).update(normalizeForFingerprint(content)).digest('hex');
}

/**
 * The fingerprint of content in a scope: a global memory's is the plain one (so stores written
 * before scopes keep theirs), a scoped one's is keyed by a key derived for that scope, so that
 * identical content in two scopes is two memories and no spelling of content can collide with it.
 */
export function scopedFingerprint(content: string, scope: string | null, key: Buffer): string {
  if (scope === null) return fingerprint(content, key);
  return fingerprint(content, createHmac('sha256', key).update(`memoram-mcp scope\0${scope}`).digest());
}

function normalizeForFingerprint(content: string): string {
  return content.normalize('NFC').trim().replace(/\s+/g, ' ');
}
