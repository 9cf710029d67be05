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
import { decideRetry, provablyUnprocessed, type RetryMode, retryDelayMs } from './retry.js';
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
  /** For `verify-first` calls: the result of an earlier attempt that landed after all, if any. */
  verify?: (signal?: AbortSignal) => Promise<T | undefined>;
}

export interface PipelineOptions {
  origin: string;
  dispatcher: Dispatcher;
  timeoutMs: number;
  maxRetries: number;
  logger: Logger;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** The `POST /auth/token` call, sent through this pipeline without a caller's signal. */
  tokenCall: Call<IssuedToken>;
}

type Outcome<T> = { value: T } | { failure: MemoramHttpError };

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
      const wait =
        decision === 'give-up' || retries >= this.options.maxRetries
          ? undefined
          : this.delay(retries, failure);
      if (wait !== undefined) {
        const status = failure instanceof ApiError ? failure.status : undefined;
        this.options.logger.warn('Memoram API call failed; retrying', {
          endpoint,
          code: failure.code,
          status,
          wait,
        });
        await this.pause(wait, endpoint, signal);
      }
      // A create is checked before each re-post, and once more before giving up for good.
      if (decision === 'verify-then-retry' && call.verify) {
        const landed = await this.checkLanded(call.verify, endpoint, failure, signal);
        if (landed !== undefined) return landed;
      }
      if (wait === undefined) {
        if (failure instanceof ApiError) failure.afterRetry = state.uncertain;
        throw failure;
      }
      state.uncertain ||= !provablyUnprocessed(failure);
    }
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
