/**
 * One HTTP exchange with the Memoram API over an undici dispatcher: a deadline covering headers
 * and body, the caller's abort signal, and every undici or socket failure turned into
 * `TimeoutError`, `AbortedError` or `ConnectionError` (with the original as `cause`). Retries,
 * tokens and status mapping live in the client; this module never sees a secret except the
 * headers and body it passes through.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import { AbortedError, ConnectionError, TimeoutError } from './errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Exchange {
  method: HttpMethod;
  /** Route template for logs and errors, e.g. `GET /memory-blobs/{blobId}`. */
  endpoint: string;
  /** Path and query below the origin, e.g. `/api/v1/memory-blobs?user_id=…`. */
  path: string;
  body?: unknown;
  token?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const USER_AGENT = 'memoram-mcp';

// Distinct abort reasons tell our own deadline apart from the caller's cancellation.
const TIMED_OUT = Symbol('timed out');
const CALLER_ABORTED = Symbol('caller aborted');

export async function exchange(
  dispatcher: Dispatcher,
  origin: string,
  timeoutMs: number,
  request: Exchange,
): Promise<RawResponse> {
  const { signal, endpoint } = request;
  if (signal?.aborted) throw new AbortedError(endpoint, signal.reason);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs);
  const onAbort = () => controller.abort(CALLER_ABORTED);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await dispatcher.request({
      origin,
      path: request.path,
      method: request.method,
      headers: headersFor(request),
      body: request.body === undefined ? null : JSON.stringify(request.body),
      signal: controller.signal,
    });
    // Reading the body to the end hands the keep-alive socket back, but undici reuses it only
    // after a full event-loop turn (client-h1 onMessageComplete → setImmediate). Waiting that turn
    // lets the next sequential call find the socket idle instead of opening (and TLS-handshaking)
    // a second connection.
    const text = await response.body.text();
    await nextTurn();
    return { status: response.statusCode, headers: response.headers, text };
  } catch (error) {
    const reason: unknown = controller.signal.reason;
    if (reason === TIMED_OUT) throw new TimeoutError(endpoint, timeoutMs, error);
    if (reason === CALLER_ABORTED) throw new AbortedError(endpoint, signal?.reason);
    if (isUndiciTimeout(error)) throw new TimeoutError(endpoint, timeoutMs, error);
    throw new ConnectionError(endpoint, error);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function headersFor(request: Exchange): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': USER_AGENT };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
  return headers;
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
}
