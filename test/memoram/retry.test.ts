import { describe, expect, it } from 'vitest';
import { AbortedError, ApiError, ConnectionError, TimeoutError } from '../../src/memoram/errors.js';
import {
  DEFAULT_BACKOFF,
  decideRetry,
  isTransient,
  mayStillLand,
  parseRetryAfter,
  provablyUnprocessed,
  retryDelayMs,
} from '../../src/memoram/retry.js';

const endpoint = 'POST /memory-blobs';
const status = (code: number, retryAfter?: string) =>
  ApiError.from(code, '', retryAfter === undefined ? {} : { 'retry-after': retryAfter }, { endpoint });
const refused = new ConnectionError(endpoint, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
const reset = new ConnectionError(endpoint, Object.assign(new Error('closed'), { code: 'UND_ERR_SOCKET' }));
const timeout = new TimeoutError(endpoint, 100);

describe('isTransient', () => {
  it('retries the network, timeouts, 408, 429 and 5xx, never other 4xx or aborts', () => {
    for (const error of [refused, reset, timeout, status(408), status(429), status(500), status(503)]) {
      expect(isTransient(error)).toBe(true);
    }
    for (const error of [status(400), status(401), status(403), status(404), status(409), status(418)]) {
      expect(isTransient(error)).toBe(false);
    }
    expect(isTransient(new AbortedError(endpoint))).toBe(false);
  });
});

describe('provablyUnprocessed', () => {
  it('holds for a refused connection, 429, and 503 with Retry-After only', () => {
    expect(provablyUnprocessed(refused)).toBe(true);
    expect(provablyUnprocessed(status(429))).toBe(true);
    expect(provablyUnprocessed(status(503, '1'))).toBe(true);
    expect(provablyUnprocessed(status(503))).toBe(false);
    expect(provablyUnprocessed(status(500, '1'))).toBe(false);
    expect(provablyUnprocessed(reset)).toBe(false);
    expect(provablyUnprocessed(timeout)).toBe(false);
  });
});

describe('mayStillLand', () => {
  it('holds when no answer came or a gateway answered, not when the server itself did', () => {
    for (const error of [timeout, reset, status(502), status(504)]) expect(mayStillLand(error)).toBe(true);
    for (const error of [refused, status(500), status(503), status(429), status(400)]) {
      expect(mayStillLand(error)).toBe(false);
    }
  });
});

describe('decideRetry', () => {
  it('retries every transient failure of an idempotent request', () => {
    expect(decideRetry('idempotent', status(500))).toBe('retry');
    expect(decideRetry('idempotent', reset)).toBe('retry');
    expect(decideRetry('idempotent', timeout)).toBe('retry');
    expect(decideRetry('idempotent', status(404))).toBe('give-up');
  });

  it('verifies a create before re-posting unless the request provably was not processed', () => {
    expect(decideRetry('verify-first', status(500))).toBe('verify-then-retry');
    expect(decideRetry('verify-first', reset)).toBe('verify-then-retry');
    expect(decideRetry('verify-first', timeout)).toBe('verify-then-retry');
    expect(decideRetry('verify-first', status(429))).toBe('verify-then-retry');
    expect(decideRetry('verify-first', status(503, '1'))).toBe('verify-then-retry');
    expect(decideRetry('verify-first', refused)).toBe('retry');
    expect(decideRetry('verify-first', status(400))).toBe('give-up');
  });

  it('posts an access request again blindly only when it never left, and looks for it otherwise', () => {
    expect(decideRetry('check-first', refused)).toBe('retry');
    // A 429 or 503 + Retry-After says it was not processed, but a server may have stored it first.
    expect(decideRetry('check-first', status(429))).toBe('verify-then-retry');
    expect(decideRetry('check-first', status(503, '2'))).toBe('verify-then-retry');
    expect(decideRetry('check-first', status(503))).toBe('verify-then-give-up');
    expect(decideRetry('check-first', status(500))).toBe('verify-then-give-up');
    expect(decideRetry('check-first', reset)).toBe('verify-then-give-up');
    expect(decideRetry('check-first', timeout)).toBe('verify-then-give-up');
    expect(decideRetry('check-first', status(400))).toBe('give-up');
  });
});

describe('retryDelayMs', () => {
  it('uses full jitter under a doubling, capped ceiling', () => {
    const top = () => 0.999_999;
    expect(retryDelayMs(0, undefined, top)).toBe(DEFAULT_BACKOFF.baseMs - 1);
    expect(retryDelayMs(1, undefined, top)).toBe(DEFAULT_BACKOFF.baseMs * 2 - 1);
    expect(retryDelayMs(2, undefined, top)).toBe(DEFAULT_BACKOFF.baseMs * 4 - 1);
    expect(retryDelayMs(30, undefined, top)).toBe(DEFAULT_BACKOFF.maxMs - 1);
    expect(retryDelayMs(3, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(1, undefined, () => 0.5, { baseMs: 100, maxMs: 1000, maxRetryAfterMs: 0 })).toBe(100);
  });

  it('honours Retry-After within the cap and gives up beyond it', () => {
    expect(retryDelayMs(0, 2000, () => 0.5)).toBe(2000);
    expect(retryDelayMs(0, 0, () => 0.5)).toBe(0);
    expect(retryDelayMs(5, DEFAULT_BACKOFF.maxRetryAfterMs, () => 0.5)).toBe(DEFAULT_BACKOFF.maxRetryAfterMs);
    expect(retryDelayMs(0, DEFAULT_BACKOFF.maxRetryAfterMs + 1, () => 0.5)).toBeUndefined();
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-01T12:00:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('1.5', now)).toBe(1500);
    expect(parseRetryAfter(['7', '9'], now)).toBe(7000);
  });

  it('reads HTTP dates relative to now, past dates as 0', () => {
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores anything else', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('1e3', now)).toBeUndefined();
  });
});
