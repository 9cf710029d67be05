import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DecryptionError, fingerprint, keyFromHex, open, seal } from '../../src/crypto/codec.js';

const key = randomBytes(32);

describe('content codec', () => {
  it('round-trips text, including unicode and empty strings', () => {
    for (const text of ['hello', '', 'ünïcødé 🧠 memories', 'x'.repeat(40_000)]) {
      expect(open(seal(text, key), key)).toBe(text);
    }
  });

  it('writes hex(iv):hex(tag):hex(ciphertext) with a fresh IV each time', () => {
    const a = seal('same text', key);
    const b = seal('same text', key);
    expect(a).toMatch(/^[0-9a-f]{24}:[0-9a-f]{32}:[0-9a-f]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(Buffer.from('same text').toString('hex'));
  });

  it('refuses tampered ciphertext, tag or IV', () => {
    const sealed = seal('do not touch', key);
    const [iv, tag, body] = sealed.split(':') as [string, string, string];
    const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
    for (const bad of [
      `${flip(iv)}:${tag}:${body}`,
      `${iv}:${flip(tag)}:${body}`,
      `${iv}:${tag}:${flip(body)}`,
    ]) {
      expect(() => open(bad, key)).toThrow(DecryptionError);
    }
  });

  it('refuses the wrong key without echoing anything secret', () => {
    const sealed = seal('secret plan', key);
    let caught: unknown;
    try {
      open(sealed, randomBytes(32));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecryptionError);
    expect(String((caught as Error).message)).not.toContain('secret plan');
  });

  it('refuses malformed envelopes and keys of the wrong size', () => {
    expect(() => open('not-an-envelope', key)).toThrow(DecryptionError);
    expect(() => seal('x', randomBytes(16))).toThrow(DecryptionError);
    expect(() => keyFromHex('abc')).toThrow(DecryptionError);
    expect(keyFromHex('ab'.repeat(32))).toHaveLength(32);
  });

  it('fingerprints identical content alike, ignoring surrounding whitespace, and depends on the key', () => {
    expect(fingerprint(' a  b\n', key)).toBe(fingerprint('a b', key));
    expect(fingerprint('a b', key)).not.toBe(fingerprint('a c', key));
    expect(fingerprint('a b', key)).not.toBe(fingerprint('a b', randomBytes(32)));
  });
});
