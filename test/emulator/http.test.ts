import { describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/emulator/http.js';

describe('isLoopback', () => {
  it('knows the loopback forms Node reports', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(address)).toBe(true);
    for (const address of [undefined, '', '10.0.0.1', '::ffff:10.0.0.1', '1127.0.0.1']) {
      expect(isLoopback(address)).toBe(false);
    }
  });
});
