/**
 * HTTP-level errors of the Memoram client. One factory, `ApiError.from`, maps a non-2xx response to
 * a class by status (as openai-node's `APIError.generate` does); transport failures become
 * `ConnectionError`, `TimeoutError` or `AbortedError`, which keep their `cause`.
 *
 * Every `message` is safe to log and to show: it names the endpoint (a route template such as
 * `GET /memory-blobs/{blobId}`, never a concrete URL with ids or query) and the status, never the
 * body, a key, a token or content. What the server said is kept apart as internal detail:
 * `serverCode` (its `error` field, only when it looks like a code) and `serverMessage` (which may
 * echo request input, so it must not reach a model unreviewed). `code` is ours and stable.
 */

import type { IncomingHttpHeaders } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { z } from 'zod';
import { parseRetryAfter } from './retry.js';

export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVER_ERROR'
  | 'HTTP_ERROR'
  | 'UNEXPECTED_RESPONSE';

interface ApiErrorInit {
  status: number;
  endpoint: string;
  serverCode?: string | undefined;
  serverMessage?: string | undefined;
  retryAfterMs?: number | undefined;
  message?: string;
}

export class ApiError extends Error {
  override readonly name: string = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  /** The route template of the failed call, e.g. `DELETE /memory-blobs/{blobId}`. */
  readonly endpoint: string;
  readonly serverCode: string | undefined;
  /** Internal detail: may echo request input; never put it in front of a model as is. */
  readonly serverMessage: string | undefined;
  /** From `Retry-After` (seconds or HTTP date), when the server sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * True when an earlier attempt of the same call failed in a way that may have reached the server
   * (5xx, timeout, dropped connection). A 404 on `DELETE /memory-blobs/{blobId}` with this flag
   * means the earlier attempt most likely deleted the blob.
   */
  afterRetry = false;

  constructor(code: ApiErrorCode, init: ApiErrorInit) {
    const reason = STATUS_CODES[init.status] ?? 'Unknown Status';
    const suffix = init.serverCode ? ` (${init.serverCode})` : '';
    super(init.message ?? `Memoram API ${init.endpoint} failed: ${init.status} ${reason}${suffix}`);
    this.code = code;
    this.status = init.status;
    this.endpoint = init.endpoint;
    this.serverCode = init.serverCode;
    this.serverMessage = init.serverMessage;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** Maps a non-2xx response to its error class; `body` is the raw text or already-parsed JSON. */
  static from(
    status: number,
    body: unknown,
    headers: IncomingHttpHeaders = {},
    context: { endpoint?: string; now?: number } = {},
  ): ApiError {
    const { serverCode, serverMessage } = parseErrorBody(body);
    const init: ApiErrorInit = {
      status,
      endpoint: context.endpoint ?? 'request',
      serverCode,
      serverMessage,
      retryAfterMs: parseRetryAfter(headers['retry-after'], context.now ?? Date.now()),
    };
    if (status === 400) return new BadRequestError(init);
    if (status === 401) return new UnauthorizedError(init);
    if (status === 403) return new ForbiddenError(init);
    if (status === 404) return new NotFoundError(init);
    if (status === 409) return new ConflictError(init);
    if (status === 429) return new RateLimitError(init);
    if (status >= 500) return new ServerError(init);
    return new ApiError('HTTP_ERROR', init);
  }
}

export class BadRequestError extends ApiError {
  override readonly name: string = 'BadRequestError';
  constructor(init: ApiErrorInit) {
    super('BAD_REQUEST', init);
  }
}

export class UnauthorizedError extends ApiError {
  override readonly name: string = 'UnauthorizedError';
  constructor(init: ApiErrorInit) {
    super('UNAUTHORIZED', init);
  }
}

export class ForbiddenError extends ApiError {
  override readonly name: string = 'ForbiddenError';
  constructor(init: ApiErrorInit) {
    super('FORBIDDEN', init);
  }
}

export class NotFoundError extends ApiError {
  override readonly name: string = 'NotFoundError';
  constructor(init: ApiErrorInit) {
    super('NOT_FOUND', init);
  }
}

export class ConflictError extends ApiError {
  override readonly name: string = 'ConflictError';
  constructor(init: ApiErrorInit) {
    super('CONFLICT', init);
  }
}

export class RateLimitError extends ApiError {
  override readonly name: string = 'RateLimitError';
  constructor(init: ApiErrorInit) {
    super('RATE_LIMITED', init);
  }
}

export class ServerError extends ApiError {
  override readonly name: string = 'ServerError';
  constructor(init: ApiErrorInit) {
    super('SERVER_ERROR', init);
  }
}

/** A 2xx whose body is not the contract's shape; the message names the endpoint and the field. */
export class UnexpectedResponseError extends ApiError {
  override readonly name: string = 'UnexpectedResponseError';
  constructor(endpoint: string, status: number, problem: string) {
    super('UNEXPECTED_RESPONSE', {
      status,
      endpoint,
      message: `Memoram API ${endpoint} returned an unexpected response: ${problem}`,
    });
  }

  /** zod 4 issue messages name the expected type or options, never the received value. */
  static fromZod(endpoint: string, status: number, error: z.ZodError): UnexpectedResponseError {
    const issue = error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '(body)';
    return new UnexpectedResponseError(endpoint, status, `${field}: ${issue?.message ?? 'invalid'}`);
  }
}

/** System and undici error codes raised while opening a connection: the request was never sent. */
const CONNECT_PHASE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
  readonly code = 'CONNECTION_FAILED';
  readonly endpoint: string;
  /** True when the failure happened while connecting, so the request provably never left. */
  readonly duringConnect: boolean;

  constructor(endpoint: string, cause: unknown, detail?: string) {
    const causeCode = (cause as { code?: unknown } | undefined)?.code;
    const why = detail ?? (typeof causeCode === 'string' ? causeCode : 'network error');
    super(`Could not reach the Memoram API (${endpoint}): ${why}`, { cause });
    this.endpoint = endpoint;
    this.duringConnect = typeof causeCode === 'string' && CONNECT_PHASE_CODES.has(causeCode);
  }
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly code = 'TIMEOUT';
  readonly endpoint: string;
  readonly timeoutMs: number;

  constructor(endpoint: string, timeoutMs: number, cause?: unknown) {
    super(`The Memoram API did not answer ${endpoint} within ${timeoutMs} ms`, { cause });
    this.endpoint = endpoint;
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired; `cause` is the signal's reason. Never retried. */
export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  readonly code = 'ABORTED';
  readonly endpoint: string;

  constructor(endpoint: string, cause?: unknown) {
    super(`The Memoram API call ${endpoint} was cancelled`, { cause });
    this.endpoint = endpoint;
  }
}

/** Everything a Memoram client call can fail with. */
export type MemoramHttpError = ApiError | ConnectionError | TimeoutError | AbortedError;

export function isMemoramHttpError(error: unknown): error is MemoramHttpError {
  return (
    error instanceof ApiError ||
    error instanceof ConnectionError ||
    error instanceof TimeoutError ||
    error instanceof AbortedError
  );
}

const SERVER_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_SERVER_MESSAGE = 300;

/**
 * The error body is undocumented (CONTRACT §7), so it is read leniently: JSON with `error`
 * (a string, or an object with `code`/`message`), `message`, `error_description` or `detail`;
 * otherwise plain text. Only code-like `error` values become `serverCode`.
 */
export function parseErrorBody(body: unknown): { serverCode?: string; serverMessage?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return { serverMessage: clip(body) };
    }
  }
  if (typeof value !== 'object' || value === null) return { serverMessage: clip(text(value)) };
  const record = value as Record<string, unknown>;
  const nested =
    typeof record['error'] === 'object' && record['error'] !== null
      ? (record['error'] as Record<string, unknown>)
      : {};
  const rawCode = text(record['error']) ?? text(nested['code']) ?? text(nested['type']);
  const message = [record['message'], record['error_description'], record['detail'], nested['message']]
    .map(text)
    .find((m) => m !== undefined);
  const serverCode = rawCode !== undefined && SERVER_CODE.test(rawCode) ? rawCode : undefined;
  const serverMessage = clip(message ?? (serverCode === undefined ? rawCode : undefined));
  const parsed: { serverCode?: string; serverMessage?: string } = {};
  if (serverCode !== undefined) parsed.serverCode = serverCode;
  if (serverMessage !== undefined) parsed.serverMessage = serverMessage;
  return parsed;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function clip(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  return trimmed.length > MAX_SERVER_MESSAGE ? `${trimmed.slice(0, MAX_SERVER_MESSAGE)}…` : trimmed;
}
