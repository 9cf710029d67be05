/**
 * The developer JWT (`POST /auth/token`): fetched on first use, kept in memory only, refreshed
 * ahead of `expires_at` and after a 401. Concurrent callers share one in-flight fetch, so a burst
 * of calls on a cold or expired cache costs one token request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { untilAborted } from '../async/until-aborted.js';
import { AbortedError, UnexpectedResponseError } from './errors.js';
import type { AuthTokenResponse } from './schemas.js';

/** Refresh this long before expiry (CONTRACT §9), or at half-life for tokens shorter than 2 min. */
export const REFRESH_AHEAD_MS = 60_000;

export interface IssuedToken {
  body: AuthTokenResponse;
  headers: IncomingHttpHeaders;
}

export class TokenCache {
  private current: { token: string; refreshAt: number } | undefined;
  private inflight: Promise<string> | undefined;

  constructor(
    // Fetches a token with no caller's signal: the fetch is shared, one caller's abort must not fail the rest.
    private readonly issue: () => Promise<IssuedToken>,
    private readonly now: () => number,
  ) {}

  /** A token valid for a while yet; `signal` only stops this caller from waiting. */
  async get(signal?: AbortSignal): Promise<string> {
    if (this.current && this.now() < this.current.refreshAt) return this.current.token;
    this.inflight ??= this.refresh().finally(() => {
      this.inflight = undefined;
    });
    return untilAborted(
      this.inflight,
      signal,
      (aborted) => new AbortedError('POST /auth/token', aborted.reason),
    );
  }

  /**
   * Drops `token` after the server refused it. Compared by value so that callers that all saw the
   * same stale token trigger one refresh, not one each.
   */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async refresh(): Promise<string> {
    const { body, headers } = await this.issue();
    const expiresAt = Date.parse(body.expires_at);
    if (Number.isNaN(expiresAt)) {
      throw new UnexpectedResponseError('POST /auth/token', 200, 'expires_at: not a date-time');
    }
    // The lifetime is measured on the server's clock (its Date header) so that a skewed local
    // clock cannot make every token look expired; the schedule then runs on the local clock.
    const localNow = this.now();
    const serverNow = Date.parse(String(headers.date ?? ''));
    const lifetime = Math.max(0, expiresAt - (Number.isNaN(serverNow) ? localNow : serverNow));
    const ahead = Math.min(REFRESH_AHEAD_MS, lifetime / 2);
    this.current = { token: body.token, refreshAt: localNow + lifetime - ahead };
    return body.token;
  }
}
