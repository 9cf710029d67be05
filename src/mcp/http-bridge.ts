/**
 * The seam between node:http and the MCP SDK's web-standard HTTP face: an IncomingMessage becomes
 * a fetch Request (its body streamed, its signal aborted when the client goes away), and a fetch
 * Response is written back with backpressure, SSE streams included. The SDK's own Node adapter
 * would bring a web framework along for these few lines.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log/logger.js';

/** A request as the SDK reads it, or the answer to one that no fetch Request can represent. */
export type Converted = { request: Request } | { refusal: Response };

/** The methods fetch refuses to build a Request with; node:http parses them all the same. */
const UNREPRESENTABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** What /mcp answers; sent with a 405 as RFC 9110 asks. */
export const ALLOWED_METHODS = 'GET, POST, DELETE';

/**
 * The request as the SDK reads it. Whatever bytes the client sent, this returns and never
 * throws: node:http hands on methods and targets that fetch refuses (TRACE, a target that is not
 * a URL, one with credentials), and they get their own answer here.
 */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Converted {
  const method = req.method ?? 'GET';
  if (UNREPRESENTABLE_METHODS.has(method.toUpperCase())) {
    return { refusal: methodNotAllowed(method) };
  }
  const target = readTarget(req.url ?? '/');
  if ('refusal' in target) return target;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  // RFC 9112 3.2.2: with an absolute target, its authority is the host (the Host checks see it).
  if (target.host !== undefined) headers.set('host', target.host);
  const hasBody = method !== 'GET' && method !== 'HEAD';
  try {
    const request = new Request(target.url, {
      method,
      headers,
      signal,
      ...(hasBody ? { body: bodyOf(req), duplex: 'half' } : {}),
    } as RequestInit);
    return { request };
  } catch {
    // Anything else fetch refuses, which node:http let through.
    return { refusal: jsonRpcError(400, -32600, 'Bad request: this request cannot be served.', CLOSE) };
  }
}

export function methodNotAllowed(method: string): Response {
  const shown = /^[A-Z-]{1,16}$/.test(method) ? `${method} is` : 'this method is';
  return jsonRpcError(405, -32600, `Method not allowed: ${shown} not served here; use ${ALLOWED_METHODS}.`, {
    Allow: ALLOWED_METHODS,
  });
}

const CLOSE = { Connection: 'close' };

/**
 * The path and query of the request target, on a fixed origin: the Host header is checked, never
 * trusted. A path (origin-form) is always one, however odd (`//x:99999/mcp` is a path, not a
 * host); an absolute URL is one when it parses and has no credentials; anything else is refused.
 */
function readTarget(raw: string): { url: URL; host?: string } | { refusal: Response } {
  if (raw.startsWith('/')) {
    try {
      return { url: new URL(`${FIXED_ORIGIN}${raw}`) };
    } catch {
      return { refusal: badTarget('it is not a valid path') };
    }
  }
  if (!/^https?:\/\//i.test(raw)) return { refusal: badTarget('it must be a path such as /mcp') };
  let absolute: URL;
  try {
    absolute = new URL(raw);
  } catch {
    return { refusal: badTarget('it is not a valid URL') };
  }
  if (absolute.username !== '' || absolute.password !== '') {
    return { refusal: badTarget('it must not carry credentials') };
  }
  return { url: new URL(`${absolute.pathname}${absolute.search}`, FIXED_ORIGIN), host: absolute.host };
}

const FIXED_ORIGIN = 'http://127.0.0.1';

function badTarget(why: string): Response {
  return jsonRpcError(400, -32600, `Bad request: the request target is refused, ${why}.`, CLOSE);
}

/**
 * The body as a web stream, with backpressure. Unlike Readable.toWeb, giving up on it (the SDK
 * refusing an oversized body) discards the rest instead of destroying the socket, so the client
 * still reads the 413; requestTimeout bounds a client that never stops sending.
 */
function bodyOf(req: IncomingMessage): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      req.on('data', (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      });
      req.once('end', () => controller.close());
      req.once('error', (error) => controller.error(error));
      req.pause();
    },
    pull() {
      req.resume();
    },
    cancel() {
      req.removeAllListeners('data');
      req.resume();
    },
  });
}

/**
 * Writes the response; resolves when it has been sent or the client went away (a closed socket
 * cancels the body, which is how the SDK learns that an SSE stream has no reader any more).
 */
export async function sendWebResponse(response: Response, res: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  // Headers first: an SSE client waits for them before the first event, which may be minutes away.
  res.flushHeaders();
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), res);
  } catch {
    // The client closed the connection mid-stream: nothing left to tell it.
  }
}

/** A plain JSON-RPC error answer for what is refused before the SDK sees the request. */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status, headers });
}

/**
 * The same answer written straight to a socket, for what node:http refuses before there is a
 * request to answer (a malformed request line or header, CONNECT).
 */
export function rawJsonRpcError(status: number, reason: string, message: string, extra = ''): string {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message }, id: null });
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n${extra}\r\n${body}`
  );
}

/**
 * node:http answers a request it cannot parse with a bare status and no body, and drops CONNECT
 * without a word; here both get a status and a one-line JSON-RPC error, like every other refusal.
 */
export function answerWhatNodeRefuses(server: Server, answering: WeakSet<Socket>, logger: Logger): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    logger.debug('malformed HTTP request refused', { reason: error.code ?? error.message });
    // Never into a response already under way on this connection: that would corrupt it.
    if (socket.writable && !answering.has(socket)) {
      const [status, reason, text] = CLIENT_ERRORS[error.code ?? ''] ?? CLIENT_ERRORS.default!;
      socket.write(rawJsonRpcError(status, reason, text));
    }
    socket.destroy();
  });
  server.on('connect', (_req: IncomingMessage, socket: Socket) => {
    socket.on('error', () => {});
    socket.end(
      rawJsonRpcError(
        405,
        'Method Not Allowed',
        `Method not allowed: CONNECT is not served here; use ${ALLOWED_METHODS}.`,
        `allow: ${ALLOWED_METHODS}\r\n`,
      ),
    );
  });
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'Request headers too large.'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'Request timeout: the request came too slowly.'],
  default: [400, 'Bad Request', 'Bad request: this is not an HTTP request the server can read.'],
};
