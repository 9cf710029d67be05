import { describe, expect, it } from 'vitest';
import { AbortedError } from '../../src/memoram/errors.js';
import { type IssuedToken, TokenCache } from '../../src/memoram/token.js';

const SERVER_NOW = Date.parse('2026-05-01T10:00:00Z');

/** A token source that counts fetches and can be held open to test sharing. */
function source(lifetimeS = 3600) {
  let count = 0;
  let release: (() => void) | undefined;
  let hold = false;
  const issue = async (): Promise<IssuedToken> => {
    count += 1;
    if (hold) await new Promise<void>((resolve) => (release = resolve));
    return {
      body: {
        token: `jwt-${count}`,
        expires_at: new Date(SERVER_NOW + lifetimeS * 1000).toISOString(),
        token_type: 'Bearer',
      },
      headers: { date: new Date(SERVER_NOW).toUTCString() },
    };
  };
  return {
    issue,
    count: () => count,
    holdNext: () => (hold = true),
    release: () => {
      hold = false;
      release?.();
    },
  };
}

describe('TokenCache', () => {
  it('measures the lifetime on the server clock, so a skewed local clock still reuses the token', async () => {
    const tokens = source();
    let local = SERVER_NOW + 2 * 3600_000; // the local clock runs two hours ahead
    const cache = new TokenCache(tokens.issue, () => local);
    expect(await cache.get()).toBe('jwt-1');
    local += 3600_000 - 61_000;
    expect(await cache.get()).toBe('jwt-1');
    local += 2_000;
    expect(await cache.get()).toBe('jwt-2');
  });

  it('shares one fetch; one waiter aborting does not fail the others', async () => {
    const tokens = source();
    tokens.holdNext();
    const cache = new TokenCache(tokens.issue, () => SERVER_NOW);
    const controller = new AbortController();
    const aborted = cache.get(controller.signal);
    const others = [cache.get(), cache.get()];
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    tokens.release();
    expect(await Promise.all(others)).toEqual(['jwt-1', 'jwt-1']);
    expect(tokens.count()).toBe(1);
  });

  it('invalidates by value, so many 401s on one stale token cause one refresh', async () => {
    const tokens = source();
    const cache = new TokenCache(tokens.issue, () => SERVER_NOW);
    const stale = await cache.get();
    cache.invalidate(stale);
    const fresh = await cache.get();
    cache.invalidate(stale); // a late 401 on the old token
    expect(await cache.get()).toBe(fresh);
    expect(tokens.count()).toBe(2);
  });

  it('fails a fetch without poisoning the cache', async () => {
    let fail = true;
    const tokens = source();
    const cache = new TokenCache(
      async () => {
        if (fail) throw new Error('down');
        return tokens.issue();
      },
      () => SERVER_NOW,
    );
    await expect(cache.get()).rejects.toThrow('down');
    fail = false;
    expect(await cache.get()).toBe('jwt-1');
  });
});
