// Helpers for the HTTP tests: the built CLI serving --http on a free port, real SDK clients in
// either protocol era, and raw requests for the wire details a client library hides.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { Client, type ClientCapabilities, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { collectOutput, exited, type Output, spawnCli } from '../cli/spawn.js';

export type Era = 'legacy' | 'modern';

export interface HttpCli {
  url: string;
  /** The Authorization header the server demands (empty when the token is off). */
  auth: Record<string, string>;
  /** JSON_HEADERS with `auth`: what a raw POST carries. */
  headers: Record<string, string>;
  child: ChildProcessWithoutNullStreams;
  output: Output;
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const URL_LINE = /Streamable HTTP at (http:\/\/\S+)/;

/**
 * Starts `serve --http --port 0` (plus `args`) and waits for the URL it prints on stderr; the
 * token is the environment's, or else the one the server made in the config directory.
 */
export async function startHttpCli(env: Record<string, string>, args: string[] = []): Promise<HttpCli> {
  const child = spawnCli(['serve', '--http', '--port', '0', ...args], env);
  const output = collectOutput(child);
  child.stdin.end();
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const match = URL_LINE.exec(output.stderr());
      if (match?.[1]) {
        child.stderr.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve --http exited (${code}): ${output.stderr()}`)));
  });
  const fromEnv = env.MEMORAM_HTTP_TOKEN;
  const off = args.includes('--no-token') || fromEnv?.toLowerCase() === 'off';
  const token = off
    ? undefined
    : (fromEnv ?? (await readFile(path.join(env.MEMORAM_CONFIG_DIR!, 'http.token'), 'utf8')).trim());
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return {
    url,
    auth,
    headers: { ...JSON_HEADERS, ...auth },
    child,
    output,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited(child);
    },
  };
}

/** A real SDK client over Streamable HTTP: 2025-11-25 with a session, or 2026-07-28 stateless. */
export async function connectHttp(
  url: string,
  era: Era,
  options: {
    name?: string;
    headers?: Record<string, string>;
    capabilities?: ClientCapabilities;
    /** Runs before connecting, e.g. to set an elicitation handler. */
    setup?: (client: Client) => void;
  } = {},
): Promise<Client> {
  const client = new Client(
    { name: options.name ?? `http-${era}`, version: '1.0.0' },
    {
      ...(era === 'modern' ? { versionNegotiation: { mode: { pin: '2026-07-28' } } } : {}),
      ...(options.capabilities ? { capabilities: options.capabilities } : {}),
    },
  );
  options.setup?.(client);
  const transport = new StreamableHTTPClientTransport(
    new URL(url),
    options.headers ? { requestInit: { headers: options.headers } } : {},
  );
  await client.connect(transport);
  return client;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * One HTTP request with exactly the given headers (fetch would not send a forged Host), read to
 * the end; for an SSE answer, pass `untilData` to stop at the first event.
 */
export function rawRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    untilData?: boolean;
    /** Another loopback address (127.0.0.2, …) to send from: another client, as the server sees it. */
    from?: string;
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: options.method ?? 'POST',
        headers: options.headers,
        agent: false,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (options.untilData && body.includes('\n\n')) {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
            res.destroy();
          }
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    // A server refusing a body mid-upload may reset the socket once it has answered: the answer counts.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    let answered = false;
    request.on('response', () => {
      answered = true;
    });
    request.end(options.body);
  });
}

/**
 * Uploads a body over a bare socket and returns the status line's code: a server may answer an
 * oversized upload early and close, which makes node's HTTP client drop the answer (EPIPE).
 */
export function uploadStatus(url: string, headers: Record<string, string>, body: Buffer, chunked: boolean) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise<number>((resolve) => {
    let received = '';
    const socket = net.connect(Number(port), hostname, () => {
      const head = Object.entries({ host: `${hostname}:${port}`, ...headers })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      const framing = chunked ? 'transfer-encoding: chunked\r\n' : `content-length: ${body.length}\r\n`;
      socket.write(`POST ${pathname} HTTP/1.1\r\n${head}${framing}\r\n`);
      socket.write(
        chunked
          ? Buffer.concat([
              Buffer.from(`${body.length.toString(16)}\r\n`),
              body,
              Buffer.from('\r\n0\r\n\r\n'),
            ])
          : body,
      );
    });
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (/^HTTP\/1\.1 \d{3}/.test(received)) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0)));
  });
}

/** Opens a GET notification stream; `ended` settles when the server closes it. */
export function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; contentType: string | undefined; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { ...headers, accept: 'text/event-stream' } }, (res) => {
      const ended = new Promise<void>((done) => {
        res.once('close', () => done());
      });
      res.resume();
      resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], ended });
    });
    request.on('error', reject);
  });
}

export const JSON_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

export const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** The JSON-RPC message in a JSON body or in the first event of an SSE body. */
export function message(body: string): Record<string, unknown> {
  const data = /^data: (.*)$/m.exec(body)?.[1];
  return JSON.parse(data ?? body) as Record<string, unknown>;
}

export interface RawExchange {
  /** The status line's code, 0 when the server closed (or reset) without answering. */
  status: number;
  head: string;
  body: string;
}

/**
 * Writes `bytes` as they are over a bare socket (no client library would send a malformed request
 * line) and reads one response: its head, and its body (by its length, or chunk by chunk).
 */
export function rawExchange(
  url: string,
  bytes: string | Buffer,
  options: { timeoutMs?: number; sent?: () => void } = {},
): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const timeoutMs = options.timeoutMs ?? 5_000;
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes, () => options.sent?.()));
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(received);
      resolve({
        status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(parsed.head)?.[1] ?? 0),
        head: parsed.head,
        body: parsed.body,
      });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (parseResponse(received).complete) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
  });
}

function parseResponse(received: Buffer): { head: string; body: string; complete: boolean } {
  const split = received.indexOf('\r\n\r\n');
  if (split < 0) return { head: received.toString('latin1'), body: '', complete: false };
  const head = received.subarray(0, split).toString('latin1');
  let rest = received.subarray(split + 4);
  const length = /\r\ncontent-length: *(\d+)/i.exec(head)?.[1];
  if (length !== undefined) {
    return {
      head,
      body: rest.subarray(0, Number(length)).toString('utf8'),
      complete: rest.length >= Number(length),
    };
  }
  if (!/\r\ntransfer-encoding: *chunked/i.test(head))
    return { head, body: rest.toString('utf8'), complete: false };
  const chunks: Buffer[] = [];
  for (;;) {
    const line = rest.indexOf('\r\n');
    if (line < 0) break;
    const size = Number.parseInt(rest.subarray(0, line).toString('latin1'), 16);
    if (size === 0) return { head, body: Buffer.concat(chunks).toString('utf8'), complete: true };
    if (Number.isNaN(size) || rest.length < line + 2 + size + 2) break;
    chunks.push(rest.subarray(line + 2, line + 2 + size));
    rest = rest.subarray(line + 2 + size + 2);
  }
  return { head, body: Buffer.concat(chunks).toString('utf8'), complete: false };
}
