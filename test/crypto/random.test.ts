import { describe, expect, it } from 'vitest';
import { randomBytesPooled } from '../../src/crypto/random.js';

describe('randomBytesPooled', () => {
  it('hands out fresh bytes of the asked length, across refills, never the same twice', () => {
    const seen = new Set<string>();
    // 12-byte draws across several 4 KiB refills, including ones that straddle a refill.
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytesPooled(12);
      expect(bytes).toHaveLength(12);
      seen.add(bytes.toString('hex'));
    }
    expect(seen.size).toBe(2000);
    expect(randomBytesPooled(4096)).toHaveLength(4096);
    expect(() => randomBytesPooled(4097)).toThrow(RangeError);
  });

  it('returns a copy the pool does not touch again', () => {
    const bytes = randomBytesPooled(16);
    const before = bytes.toString('hex');
    for (let i = 0; i < 1000; i++) randomBytesPooled(16);
    expect(bytes.toString('hex')).toBe(before);
  });
});
