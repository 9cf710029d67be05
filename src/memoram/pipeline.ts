/**
 * The request pipeline of the Memoram client: for one endpoint call, get the developer JWT, make
 * an attempt (transport.ts), resend once after a 401 with a fresh token, then retry, verify or
 * throw by the rules of retry.ts. Endpoint knowledge (paths, schemas, how to verify a create)
 * stays in client.ts; this module knows only `Call`s.
 */
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { Logger } from '../log/logger.js';
import {
  AbortedError,
  ApiError,
  ConnectionError,
  type MemoramHttpError,
  UnexpectedResponseError,
} from './errors.js';
import { decideRetry, mayStillLand, neverSent, type RetryMode, retryDelayMs } from './retry.js';
import { type IssuedToken, TokenCache } from './token.js';
import { exchange, type HttpMethod, type RawResponse } from './transport.js';

/** One endpoint call: how to send it, how to retry it, how to read its 2xx. */
export interface Call<T> {
  method: HttpMethod;
  /** Route template below the API root, e.g. `/memory-blobs/{blobId}`; ids stay out of logs. */
  route: string;
  /** Concrete path and query below the origin. */
  path: string;
  body?: unknown;
  /** False only for `POST /auth/token`, the one call without a Bearer token. */
  auth?: false;
  retry: RetryMode;
  read: (response: RawResponse, endpoint: string) => T;
  /** For `verify-first` and `check-first` calls: the result of an earlier attempt that landed after all, if any. */
  verify?: (signal?: AbortSignal) => Promise<T | undefined>;
  /** Told when an unanswered attempt did not show up in time: it may still land after the call. */
  onUnsettled?: () => void;
}

export interface PipelineOptions {
  origin: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxRetries: number;
  /** How long a verified call looks for an unanswered attempt before re-sending it. */
  settleMs: number;
  logger: Logger;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** The `POST /auth/token` call, sent through this pipeline without a caller's signal. */
  tokenCall: Call<IssuedToken>;
}

type Outcome<T> = { value: T } | { failure: MemoramHttpError };

const SETTLE_FIRST_STEP_MS = 100;
const SETTLE_MAX_STEP_MS = 2_000;

export class RequestPipeline {
  private readonly tokens: TokenCache;
  private closed = false;

  constructor(private readonly options: PipelineOptions) {
    this.tokens = new TokenCache(() => this.send(options.tokenCall), options.now);
  }

  /** Later calls fail with a ConnectionError instead of reaching a closed dispatcher. */
  close(): void {
    this.closed = true;
  }

  async send<T>(call: Call<T>, signal?: AbortSignal): Promise<T> {
    const endpoint = `${call.method} ${call.route}`;
    if (this.closed) throw new ConnectionError(endpoint, undefined, 'the client is closed');
    const state = { refreshed: false, uncertain: false };
    for (let retries = 0; ; retries += 1) {
      const outcome = await this.tryOnce(call, endpoint, state, signal);
      if ('value' in outcome) return outcome.value;
      const { failure } = outcome;
      const decision = decideRetry(call.retry, failure);
      if (decision === 'verify-then-give-up') {
        // It may have landed, or may still: return it if it did, never post it again.
        const landed = call.verify && (await this.checkLanded(call.verify, endpoint, failure, signal));
        if (landed !== undefined) return landed;
        if (failure instanceof ApiError) failure.afterRetry = state.uncertain;
        throw failure;
      }
      const wait =
        decision === 'give-up' || retries >= this.options.maxRetries
          ? undefined
          : this.delay(retries, failure);
      const inFlight = call.verify !== undefined && decision !== 'give-up' && mayStillLand(failure);
      if (inFlight) {
        const landed = await this.settle(call, endpoint, failure, signal);
        if (landed !== undefined) return landed;
      } else if (decision === 'verify-then-retry' && call.verify) {
        // A create is checked before each re-post, and once more before giving up for good.
        const landed = await this.waitThenCheck(call.verify, wait, endpoint, failure, signal);
        if (landed !== undefined) return landed;
      } else if (wait !== undefined) {
        await this.pause(this.logRetry(endpoint, failure, wait), endpoint, signal);
      }
      if (wait === undefined) {
        if (failure instanceof ApiError) failure.afterRetry = state.uncertain;
        throw failure;
      }
      // Even a 429 may follow a write the server did: only a request that never left is sure.
      state.uncertain ||= !neverSent(failure);
    }
  }

  private logRetry(endpoint: string, failure: MemoramHttpError, wait: number): number {
    const status = failure instanceof ApiError ? failure.status : undefined;
    this.options.logger.warn('Memoram API call failed; retrying', {
      endpoint,
      code: failure.code,
      status,
      wait,
    });
    return wait;
  }

  private async waitThenCheck<T>(
    verify: NonNullable<Call<T>['verify']>,
    wait: number | undefined,
    endpoint: string,
    failure: MemoramHttpError,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> {
    if (wait !== undefined) await this.pause(this.logRetry(endpoint, failure, wait), endpoint, signal);
    return this.checkLanded(verify, endpoint, failure, signal);
  }

  /**
   * After an attempt that got no answer (a timeout, a connection cut after the request left, a
   * gateway giving up), the server may still be working on it: re-posting now is how a slow create
   * became two. So look for it for up to `settleMs`, and only then let the caller re-post (or give
   * up), telling `onUnsettled` that a copy may still land later.
   */
  private async settle<T>(
    call: Call<T>,
    endpoint: string,
    failure: MemoramHttpError,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> {
    const verify = call.verify!;
    let waited = 0;
    for (let round = 0; ; round += 1) {
      const landed = await this.checkLanded(verify, endpoint, failure, signal);
      if (landed !== undefined) return landed;
      if (waited >= this.options.settleMs) break;
      const step = Math.min(
        SETTLE_FIRST_STEP_MS * 2 ** round,
        SETTLE_MAX_STEP_MS,
        this.options.settleMs - waited,
      );
      await this.pause(step, endpoint, signal);
      waited += step;
    }
    this.options.logger.warn('a Memoram write got no answer and did not show up', { endpoint, waited });
    call.onUnsettled?.();
    return undefined;
  }

  private delay(retries: number, failure: MemoramHttpError): number | undefined {
    const retryAfter = failure instanceof ApiError ? failure.retryAfterMs : undefined;
    return retryDelayMs(retries, retryAfter, this.options.random);
  }

  /** One attempt, plus the single token refresh and resend a 401 earns per call. */
  private async tryOnce<T>(
    call: Call<T>,
    endpoint: string,
    state: { refreshed: boolean },
    signal: AbortSignal | undefined,
  ): Promise<Outcome<T>> {
    const { dispatcher, origin, timeoutMs, now, logger } = this.options;
    for (;;) {
      const token = call.auth === false ? undefined : await this.tokens.get(signal);
      const started = now();
      let response: RawResponse;
      try {
        const request = { method: call.method, endpoint, path: call.path, body: call.body, token, signal };
        response = await exchange(dispatcher, origin, timeoutMs, request);
      } catch (error) {
        return { failure: error as MemoramHttpError }; // exchange throws nothing else
      }
      logger.debug('Memoram API call', { endpoint, status: response.status, ms: now() - started });
      if (response.status === 401 && token !== undefined && !state.refreshed) {
        state.refreshed = true;
        this.tokens.invalidate(token);
        continue;
      }
      if (response.status >= 200 && response.status < 300) return { value: call.read(response, endpoint) };
      const context = { endpoint, now: now() };
      return { failure: ApiError.from(response.status, response.text, response.headers, context) };
    }
  }

  /** Runs a create's verification; when the check itself fails, re-posting would be a guess. */
  private async checkLanded<T>(
    verify: (signal?: AbortSignal) => Promise<T | undefined>,
    endpoint: string,
    failure: MemoramHttpError,
    signal: AbortSignal | undefined,
  ): Promise<T | undefined> {
    try {
      return await verify(signal);
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      this.options.logger.warn('Could not check whether a failed create landed; not re-posting', {
        endpoint,
        error,
      });
      throw failure;
    }
  }

  private async pause(ms: number, endpoint: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.options.sleep(ms, signal);
    } catch (error) {
      if (!signal?.aborted) throw error;
    }
    if (signal?.aborted) throw new AbortedError(endpoint, signal.reason);
  }
}

/** Reads a 2xx JSON body with its wire schema; a mismatch names the endpoint and the field. */
export function json<T>(schema: z.ZodType<T>) {
  return (response: RawResponse, endpoint: string): T => {
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      throw new UnexpectedResponseError(endpoint, response.status, 'the body is not JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) throw UnexpectedResponseError.fromZod(endpoint, response.status, parsed.error);
    return parsed.data;
  };
}
