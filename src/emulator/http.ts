/**
 * The emulator's HTTP plumbing: the request and response shapes handlers work with (JSON, HTML
 * pages, redirects), reading a request body under a size cap, parsing JSON bodies with the wire
 * schemas and form bodies, and writing responses. Handlers return a response value instead of
 * writing one, so the server can still replace it with an injected fault after the handler has run.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** Forms carry a few short fields; anything bigger is not one of ours. */
export const MAX_FORM_BYTES = 16 * 1024;

/** What a handler sees of a request: the body is read in full up front (the request log needs it). */
export interface EmulatorRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The raw body text, or null when the request had none. */
  body: string | null;
  remoteAddress: string | undefined;
}

export interface JsonResponse {
  kind?: 'json';
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A whole HTML document; pages get the security headers of `PAGE_HEADERS` plus their own CSP. */
export interface HtmlResponse {
  kind: 'html';
  status: number;
  html: string;
  headers?: Record<string, string>;
}

export interface RedirectResponse {
  kind: 'redirect';
  status: 302 | 303;
  location: string;
  headers?: Record<string, string>;
}

export type EmulatorResponse = JsonResponse | HtmlResponse | RedirectResponse;

export type Handler = (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;

/** A failure with the contract's error body `{"error": code, "message": message}` (CONTRACT.md §7). */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toResponse(): JsonResponse {
    return { status: this.status, body: { error: this.code, message: this.message }, headers: this.headers };
  }
}

export function json(status: number, body: unknown): JsonResponse {
  return { status, body };
}

export function htmlResponse(
  status: number,
  document: string,
  headers: Record<string, string> = {},
): HtmlResponse {
  return { kind: 'html', status, html: document, headers };
}

export function redirect(status: 302 | 303, location: string): RedirectResponse {
  return { kind: 'redirect', status, location };
}

export const badRequest = (message: string) => new HttpError(400, 'invalid_request', message);
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);

/**
 * Reads the whole body; null when empty. Over `limit` bytes the rest is read and discarded (so the
 * client still gets an answer rather than a reset connection) and the result is a 413.
 */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    throw new HttpError(413, 'payload_too_large', `The request body is larger than ${limit} bytes.`);
  }
  return size === 0 ? null : Buffer.concat(chunks).toString('utf8');
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'value'}: ${issue.message}`)
    .join('; ');
}

/** Validates `input` with a wire schema; a mismatch is a 400 naming the offending fields. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) throw badRequest(`Invalid ${what}: ${describeIssues(result.error)}`);
  return result.data;
}

/** Parses an `application/json` body with a wire schema: 415 for another type, 400 for bad JSON. */
export function parseJsonBody<T extends z.ZodType>(request: EmulatorRequest, schema: T): z.infer<T> {
  const type = request.headers['content-type'] ?? '';
  if (request.body !== null && !/^application\/json\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be application/json.');
  }
  if (request.body === null) throw badRequest('A JSON request body is required.');
  let value: unknown;
  try {
    value = JSON.parse(request.body);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  return validate(schema, value, 'request body');
}

/**
 * Parses an `application/x-www-form-urlencoded` body (415 for another type, 413 over
 * MAX_FORM_BYTES); an empty body is an empty form.
 */
export function parseFormBody(request: EmulatorRequest): URLSearchParams {
  const type = request.headers['content-type'] ?? '';
  if (request.body === null) return new URLSearchParams();
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new HttpError(415, 'unsupported_media_type', 'The request body must be a form.');
  }
  if (Buffer.byteLength(request.body) > MAX_FORM_BYTES) {
    throw new HttpError(413, 'payload_too_large', `The form is larger than ${MAX_FORM_BYTES} bytes.`);
  }
  return new URLSearchParams(request.body);
}

/**
 * Headers for every page and redirect the user's browser sees: never cached (they carry one-time
 * tokens), never framed (clickjacking the Allow button), and no Referer leaking a code onwards.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

/** The page CSP: no scripts or other fetches at all, inline styles, forms only to `formTargets`. */
export function pageCsp(formTargets: readonly string[] = []): string {
  const targets = ["'self'", ...formTargets].join(' ');
  return `default-src 'none'; style-src 'unsafe-inline'; form-action ${targets}; frame-ancestors 'none'; base-uri 'none'`;
}

export function send(res: ServerResponse, response: EmulatorResponse): void {
  if (res.destroyed || res.headersSent) return;
  if (response.kind === 'html') {
    res.writeHead(response.status, {
      'content-security-policy': pageCsp(),
      ...response.headers,
      ...PAGE_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(response.html),
    });
    res.end(response.html);
  } else if (response.kind === 'redirect') {
    res.writeHead(response.status, { ...response.headers, ...PAGE_HEADERS, location: response.location });
    res.end();
  } else {
    sendJson(res, response);
  }
}

export function sendJson(res: ServerResponse, response: JsonResponse): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(response.body);
  res.writeHead(response.status, {
    ...response.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
  });
  res.end(payload);
}

/** Loopback addresses, in the forms Node reports them (IPv4, IPv6, IPv4-mapped IPv6). */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/**
 * A Host header naming loopback (127.0.0.1, localhost, [::1], any port). A DNS-rebound name that
 * resolves to 127.0.0.1 reaches the server from loopback, but its Host still names the attacker's site.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && /^(127\.0\.0\.1|localhost|\[::1\])(:\d{1,5})?$/i.test(host);
}

/**
 * A Host header naming the server by IP address, as localhost, or by the name it was told to listen
 * on (e.g. mybox.local, for a phone), any port. Any other name is a web site whose DNS points at the
 * emulator (DNS rebinding), reading pages as if it were them.
 */
export function isDirectHost(host: string | undefined, listenHost?: string): boolean {
  if (host === undefined) return false;
  const name = /^(.+?)(:\d{1,5})?$/.exec(host)?.[1] ?? '';
  if (listenHost !== undefined && name.toLowerCase() === listenHost.toLowerCase()) return true;
  return /^localhost$/i.test(name) || /^(\d{1,3}\.){3}\d{1,3}$/.test(name) || /^\[[0-9a-f:.]+\]$/i.test(name);
}
