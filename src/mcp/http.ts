/**
 * MCP over Streamable HTTP at /mcp, both protocol eras on one endpoint: 2026-07-28 requests are
 * stateless (the SDK's createMcpHandler builds a server per request; resource changes reach the
 * clients' `subscriptions/listen` streams through its notifier), 2025-era clients get sessions
 * (http-sessions.ts). Every server instance shares the one Connection, so every client sees the
 * others' writes at once.
 *
 * Whatever bytes a client sends are answered with a status and a one-line JSON-RPC error, never a
 * crash: node:http's own refusals (a request it cannot parse, CONNECT) and a method or target
 * fetch cannot represent are answered in the conversion (http-bridge.ts). Then each path brings
 * its own checks: the memory page (src/ui/) its Host, Origin and cookie; /mcp, in this order, the
 * Host and Origin checks against DNS rebinding (the SDK's validators), then the bearer token when
 * one is configured. Bodies are bounded by the SDK (413 past
 * the bound); slow clients by the node:http timeouts; abandoned sessions by expiry; shutdown
 * drains without resets (http-drain.ts). A request for a tool or prompt named like an
 * Object.prototype property is answered here.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createNodeServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import {
  createMcpHandler,
  hostHeaderValidationResponse,
  isLegacyRequest,
  type JSONRPCMessage,
  localhostAllowedHostnames,
  type McpServer,
  originValidationResponse,
  parseJSONRPCMessage,
} from '@modelcontextprotocol/server';
import type { Connection } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import { answerWhatNodeRefuses, jsonRpcError, sendWebResponse, toWebRequest } from './http-bridge.js';
import { createDrain } from './http-drain.js';
import { createSessions, type Served } from './http-sessions.js';
import { prototypeNameAnswer } from './inbound-guard.js';
import { publishResourceChanges } from './resources.js';

export const MCP_PATH = '/mcp';
/** The SDK's default, stated: a memory is at most a few hundred KiB. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Bodies up to this long are read for the tool and prompt name check: a call naming one is short. */
const NAME_CHECK_MAX_BYTES = 64 * 1024;
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** A session without a request for this long is closed; with its GET stream open, after STREAM_IDLE_MS. */
const SESSION_IDLE_MS = 30 * 60_000;
const STREAM_IDLE_MS = 4 * 60 * 60_000;
/**
 * In all, and from one address (on loopback every client shares 127.0.0.1, so there 64 is the
 * bound); past either, the oldest idle session gives way (http-sessions.ts).
 */
const MAX_SESSIONS = 256;
const MAX_SESSIONS_PER_CLIENT = 64;
/**
 * Shutdown (http-drain.ts): requests in flight get 5 s to finish; the port closes once no
 * connection has come for 200 ms (5 s at most in all); a refused client is told to retry in 2 s.
 */
const DRAIN = { drainMs: 5_000, graceMs: 200, retryAfterSeconds: 2, lingerMs: 1_000 };
const NOTHING = () => {};

export interface HttpServerOptions {
  host: string;
  port: number;
  /** When set, every /mcp request must carry it as `Authorization: Bearer` (http-token.ts picks it). */
  token: string | undefined;
  connection: Connection;
  createServer: () => McpServer;
  logger: Logger;
  /**
   * The memory page (src/ui/), answering the paths it owns beside /mcp. It checks its own Host,
   * Origin, cookie and CSRF token, and takes no bearer token.
   */
  page?: { owns(pathname: string): boolean; handle(request: Request): Promise<Response> };
}

export interface HttpServer {
  /** The endpoint, with the port actually bound (for --port 0). */
  url: string;
  /** Closes the sessions idle since before `now`; the server also does so every minute. */
  expireIdleSessions(now?: number): Promise<number>;
  /** Stops accepting, lets requests in flight finish (a few seconds at most), then closes everything. */
  close(): Promise<void>;
}

/** 127.0.0.0/8, ::1 and localhost: the addresses only this machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { logger } = options;
  const modern = createMcpHandler(() => options.createServer(), {
    legacy: 'reject',
    maxRequestBodySize: MAX_BODY_BYTES,
    onerror: (error) => logger.debug('request refused', { reason: error.message }),
  });
  const sessions = createSessions({
    createServer: options.createServer,
    logger,
    maxSessions: MAX_SESSIONS,
    maxPerClient: MAX_SESSIONS_PER_CLIENT,
    idleMs: SESSION_IDLE_MS,
    streamIdleMs: STREAM_IDLE_MS,
    maxRequestBodySize: MAX_BODY_BYTES,
  });
  const stopPublishing = publishResourceChanges(options.connection, modern.notify);
  const allowed = allowedHostnames(options.host);
  const tokenDigest = options.token === undefined ? undefined : digest(options.token);
  /** Connections with a response under way, which a parse error must not write into. */
  const answering = new WeakSet<Socket>();
  const unauthorized = () =>
    jsonRpcError(
      401,
      -32001,
      'Unauthorized: send the server\'s bearer token as "Authorization: Bearer <token>" (serve --http says where it is kept).',
      { 'WWW-Authenticate': 'Bearer realm="memoram-mcp"' },
    );

  /** MCP at /mcp, behind the bearer token. */
  const mcp = async (request: Request, client: string): Promise<Served> => {
    if (tokenDigest && !bearerMatches(request.headers.get('authorization'), tokenDigest)) {
      return { response: unauthorized(), done: NOTHING };
    }
    const method = request.method.toUpperCase();
    const unknownName = method === 'POST' ? await prototypeNameRefusal(request) : undefined;
    if (unknownName) return { response: unknownName, done: NOTHING };
    const legacy =
      (method === 'POST' &&
        (await isLegacyRequest(request, undefined, { maxRequestBodySize: MAX_BODY_BYTES }))) ||
      ((method === 'GET' || method === 'DELETE') && request.headers.has('mcp-session-id'));
    if (legacy) return sessions.handle(request, client);
    return { response: await modern.fetch(request), done: NOTHING };
  };
  // Each path with its own handler and its own authentication: the page checks its own Host,
  // Origin and cookie; /mcp gets the SDK's Host and Origin checks, then its bearer token.
  const route = async (request: Request, client: string): Promise<Served> => {
    const { pathname } = new URL(request.url);
    if (options.page?.owns(pathname)) return { response: await options.page.handle(request), done: NOTHING };
    const refused =
      hostHeaderValidationResponse(request, allowed) ?? originValidationResponse(request, allowed);
    if (refused) return { response: refused, done: NOTHING };
    if (pathname !== MCP_PATH) {
      return {
        response: jsonRpcError(404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}.`),
        done: NOTHING,
      };
    }
    return mcp(request, client);
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (drain.closing) {
      void drain.refuse(req, res);
      return;
    }
    // A GET is a notification stream that never ends by itself: shutdown does not wait for it.
    const release = req.method === 'GET' ? NOTHING : drain.track();
    const abort = new AbortController();
    answering.add(req.socket);
    res.once('close', () => {
      answering.delete(req.socket);
      abort.abort();
    });
    let served: Served | undefined;
    // Inside the chain, so that nothing a request carries can throw past the catch below.
    Promise.resolve()
      .then(() => {
        const converted = toWebRequest(req, abort.signal);
        return 'refusal' in converted
          ? { response: converted.refusal, done: NOTHING }
          : route(converted.request, req.socket.remoteAddress ?? '');
      })
      .catch((error: unknown) => {
        logger.error('serving an HTTP request failed', { error });
        return { response: jsonRpcError(500, -32603, 'Internal error, see the server log.'), done: NOTHING };
      })
      .then((result) => {
        served = result;
        // Answered during the drain: the client should not send its next request on this connection.
        if (drain.closing) res.setHeader('connection', 'close');
        return sendWebResponse(result.response, res);
      })
      .finally(() => {
        served?.done();
        release();
      });
  };

  const server = createNodeServer(
    { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    listener,
  );
  const drain = createDrain(server, DRAIN);
  answerWhatNodeRefuses(server, answering, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('HTTP server error', { error }));
  const sweep = setInterval(() => void sessions.expireIdle(Date.now()), 60_000).unref();
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${urlHost(options.host)}:${port}${MCP_PATH}`,
    expireIdleSessions: (now = Date.now()) => sessions.expireIdle(now),
    async close() {
      clearInterval(sweep);
      stopPublishing();
      await drain.close(async () => {
        await modern.close();
        await sessions.closeAll();
      });
    },
  };
}

/**
 * The answer to a request for a tool or prompt named like an Object.prototype property, which
 * the SDK would look up there (inbound-guard.ts; stdio checks it in its transport). Read from a
 * copy of a body of declared, small length (a call's is): the SDK reads the original, and
 * answers whatever is too big or does not parse.
 */
async function prototypeNameRefusal(request: Request): Promise<Response | undefined> {
  const length = Number(request.headers.get('content-length'));
  if (!(length > 0 && length <= NAME_CHECK_MAX_BYTES)) return undefined;
  let message: JSONRPCMessage;
  try {
    message = parseJSONRPCMessage(JSON.parse(await request.clone().text()));
  } catch {
    return undefined;
  }
  const answer = prototypeNameAnswer(message);
  return answer ? Response.json(answer) : undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Compares digests, so neither the token's length nor its bytes leak through timing. */
function bearerMatches(header: string | null, expected: Buffer): boolean {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
  return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
}

/**
 * The Host (and Origin) names a client may use: the loopback names; for another address, that
 * address too, and for a wildcard bind every address of this machine and its host name.
 */
function allowedHostnames(host: string): string[] {
  const names = new Set(localhostAllowedHostnames());
  if (isLoopbackHost(host)) return [...names];
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === '0.0.0.0' || bare === '::') {
    for (const entries of Object.values(os.networkInterfaces())) {
      for (const entry of entries ?? [])
        names.add(entry.family === 'IPv6' ? `[${entry.address}]` : entry.address);
    }
    names.add(os.hostname().toLowerCase());
  } else {
    names.add(urlHost(bare).toLowerCase());
  }
  return [...names];
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
