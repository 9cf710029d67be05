/**
 * The seam between node:http and the MCP SDK's web-standard HTTP face: an IncomingMessage becomes
 * a fetch Request (its body streamed, its signal aborted when the client goes away), and a fetch
 * Response is written back with backpressure, SSE streams included. The SDK's own Node adapter
 * would bring a web framework along for these few lines.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The request as the SDK reads it. The URL's origin is fixed: the Host header is checked, never trusted. */
export function toWebRequest(req: IncomingMessage, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(new URL(req.url ?? '/', 'http://127.0.0.1'), {
    method,
    headers,
    signal,
    ...(hasBody ? { body: bodyOf(req), duplex: 'half' } : {}),
  } as RequestInit);
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
