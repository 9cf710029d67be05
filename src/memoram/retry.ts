/**
 * The retry policy of the Memoram client, as pure functions: which failures may be retried for
 * which kind of request, and how long to wait first. No timers and no clock here (the caller
 * passes `now` and `random`), so every rule is unit-tested without sleeping.
 *
 * Three kinds of request:
 * - `idempotent` — GET, PATCH, DELETE and `POST /auth/token` (it only mints a token): repeating
 *   them leaves the server as one success would, so every transient failure is retried.
 * - `verify-first` — `POST /memory-blobs`: any answer but a 2xx may hide a write that landed (a
 *   5xx, a timeout, a dropped connection, and also a 429 or 503 that a server sent after storing
 *   it). It is retried at once only when the request never left (the connection never opened);
 *   otherwise the client first looks for the blob and re-posts only when it is not there, and
 *   when no answer came at all (`mayStillLand`) it keeps looking for a while first.
 * - `check-first` — `POST /access-requests`: a duplicate would show up twice in the user's
 *   dashboard, for them to approve one and wonder about the other. Posted again blindly only when
 *   the connection never opened. After a 429 or a 503 with Retry-After (which a server may send
 *   after storing it) the client waits, looks for it in the list, and posts again only when it is
 *   not there; after any other failure it looks once and, when it is not there, surfaces the
 *   failure without posting again (it may still land), and the authorization flow tells the user.
 */
import type { MemoramHttpError } from './errors.js';

export type RetryMode = 'idempotent' | 'verify-first' | 'check-first';
export type RetryDecision = 'give-up' | 'retry' | 'verify-then-retry' | 'verify-then-give-up';

export interface Backoff {
  /** Ceiling of the first retry's delay; doubles with each retry. */
  baseMs: number;
  /** Cap of the exponential ceiling. */
  maxMs: number;
  /**
   * The longest Retry-After waited out. A longer one is not shortened (retrying early only earns
   * another 429): the error surfaces with its `retryAfterMs` so the caller can say when to retry.
   */
  maxRetryAfterMs: number;
}

// Short enough for a tool call that a client times out after ~60 s.
export const DEFAULT_BACKOFF: Backoff = { baseMs: 250, maxMs: 4_000, maxRetryAfterMs: 10_000 };

/** Failures worth another attempt: the network, timeouts, 408, 429 and 5xx; never other 4xx. */
export function isTransient(error: MemoramHttpError): boolean {
  switch (error.code) {
    case 'CONNECTION_FAILED':
    case 'TIMEOUT':
    case 'RATE_LIMITED':
    case 'SERVER_ERROR':
      return true;
    case 'HTTP_ERROR':
      return error.status === 408;
    default:
      return false;
  }
}

/**
 * Failures proving the server did not act on the request: the connection never opened, the
 * server refused it for rate (429), or it declared itself unavailable with a Retry-After (503).
 * A reset on an open connection proves nothing: the request may have been read.
 */
export function provablyUnprocessed(error: MemoramHttpError): boolean {
  switch (error.code) {
    case 'CONNECTION_FAILED':
      return error.duringConnect;
    case 'RATE_LIMITED':
      return true;
    case 'SERVER_ERROR':
      return error.status === 503 && error.retryAfterMs !== undefined;
    default:
      return false;
  }
}

/**
 * Failures after which the server may still be acting on the request: no answer came (our
 * deadline, a connection cut after the request left) or a gateway answered for a server that had
 * not (502, 504). An answer from the server itself (500, 503) means it is done with the request.
 */
export function mayStillLand(error: MemoramHttpError): boolean {
  switch (error.code) {
    case 'TIMEOUT':
      return true;
    case 'CONNECTION_FAILED':
      return !error.duringConnect;
    case 'SERVER_ERROR':
      return error.status === 502 || error.status === 504;
    default:
      return false;
  }
}

/** The one failure proving a request never reached the server: its connection never opened. */
export function neverSent(error: MemoramHttpError): boolean {
  return error.code === 'CONNECTION_FAILED' && error.duringConnect;
}

export function decideRetry(mode: RetryMode, error: MemoramHttpError): RetryDecision {
  if (!isTransient(error)) return 'give-up';
  if (mode === 'idempotent') return 'retry';
  // A 429 or 503 says the server will not act, but a server that stored the write first and
  // then answered it makes a blind re-post a second copy: a create is looked for all the same.
  if (mode === 'verify-first') return neverSent(error) ? 'retry' : 'verify-then-retry';
  if (neverSent(error)) return 'retry';
  return provablyUnprocessed(error) ? 'verify-then-retry' : 'verify-then-give-up';
}

/**
 * The wait before retry number `retry` (0-based), or undefined to give up. A server's Retry-After
 * wins when it is within the cap; otherwise capped exponential backoff with full jitter
 * (uniform in [0, min(maxMs, baseMs·2^retry))), which spreads out clients that failed together.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number,
  backoff: Backoff = DEFAULT_BACKOFF,
): number | undefined {
  if (retryAfterMs !== undefined) {
    return retryAfterMs <= backoff.maxRetryAfterMs ? retryAfterMs : undefined;
  }
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds (decimals tolerated) or an HTTP date;
 * a date in the past means 0. Anything else is ignored (undefined).
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.round(Number(raw) * 1000);
  // Date.parse accepts bare numbers as years; require a date-like string with a month or zone.
  if (!/[a-z]/i.test(raw)) return undefined;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
