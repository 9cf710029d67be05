/**
 * The request log: every request to the emulated API in arrival order, with its route, query,
 * headers, raw body, the status the client saw (null for a dropped connection or one still in
 * flight), any fault applied, and the TCP connection it came on, so tests can assert on the wire.
 * Control API calls are not logged. The oldest entries go once the log holds MAX_ENTRIES.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Fault } from './faults.js';

const MAX_ENTRIES = 10_000;

export interface LoggedRequest {
  /** Counter per TCP connection, from 1: requests sharing a keep-alive socket share it. */
  connection: number;
  method: string;
  path: string;
  /** The route key (`GET /memory-blobs/{blobId}`), or null when no route matched. */
  route: string | null;
  query: Record<string, string>;
  status: number | null;
  headers: Record<string, string>;
  body: string | null;
  fault: Omit<Fault, 'remaining'> | null;
  at: string;
}

function flatHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export class RequestLog {
  private readonly entries: LoggedRequest[] = [];

  /** Adds an entry on arrival; the caller fills in route, body, status and fault as it learns them. */
  open(connection: number, method: string, url: URL, headers: IncomingHttpHeaders, at: Date): LoggedRequest {
    const entry: LoggedRequest = {
      connection,
      method,
      path: url.pathname,
      route: null,
      query: Object.fromEntries(url.searchParams),
      status: null,
      headers: flatHeaders(headers),
      body: null,
      fault: null,
      at: at.toISOString(),
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) this.entries.shift();
    return entry;
  }

  list(): LoggedRequest[] {
    return this.entries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.entries.length = 0;
  }
}
