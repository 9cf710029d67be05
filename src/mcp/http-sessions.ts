/**
 * 2025-era sessions over Streamable HTTP: one SDK transport and one McpServer per Mcp-Session-Id,
 * made by `initialize`, ended by DELETE, by idle expiry, by giving way to a new one, or at
 * shutdown. Each session's server sends its own notifications (resource list changes, the URIs it
 * subscribed to) on its own GET stream, so they reach that client and no other.
 *
 * Bounded so that no client can lock the others out: at most `maxSessions` in all and
 * `maxPerClient` from one address. A new session past either bound takes the place of the oldest
 * idle one (of that client, or of all); only when every one is busy is the client refused.
 * A session is idle when none of its requests is in flight; it expires after `idleMs` without a
 * request, or `streamIdleMs` while its GET stream is open (an open stream alone no longer keeps
 * it for ever; a client that hears 404 starts a new session, as the protocol says).
 */
import { randomUUID } from 'node:crypto';
import { type McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Logger } from '../log/logger.js';
import { jsonRpcError } from './http-bridge.js';

export interface SessionsOptions {
  createServer: () => McpServer;
  logger: Logger;
  maxSessions: number;
  maxPerClient: number;
  idleMs: number;
  streamIdleMs: number;
  maxRequestBodySize: number;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  /** The address it came from. */
  client: string;
  /** Requests of this session being answered right now (GET streams apart). */
  open: number;
  streams: number;
  /** When its last request (not a stream) came or was answered. */
  lastSeen: number;
}

/** A response, and what to call once it has been sent in full (or its client went away). */
export interface Served {
  response: Response;
  done(): void;
}

export interface Sessions {
  /** Serves a 2025-era request from `client` (its address): a session's own, or an `initialize` that opens one. */
  handle(request: Request, client: string): Promise<Served>;
  /** Closes the sessions idle since before `now - idleMs`; returns how many. */
  expireIdle(now: number): Promise<number>;
  closeAll(): Promise<void>;
  readonly size: number;
}

const NOTHING_TO_RELEASE = () => {};

export function createSessions(options: SessionsOptions): Sessions {
  const sessions = new Map<string, Session>();

  const serve = async (session: Session, request: Request): Promise<Served> => {
    const stream = request.method === 'GET';
    if (stream) session.streams += 1;
    else session.open += 1;
    session.lastSeen = Date.now();
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      if (stream) session.streams -= 1;
      else {
        session.open -= 1;
        session.lastSeen = Date.now();
      }
    };
    try {
      return { response: await session.transport.handleRequest(request), done };
    } catch (error) {
      done();
      throw error;
    }
  };

  const close = async (session: Session) => {
    if (session.transport.sessionId) sessions.delete(session.transport.sessionId);
    await session.server.close().catch(() => {});
  };

  /** Closes the least recently used idle session among `among`; false when every one is busy. */
  const giveWay = async (among: Session[]): Promise<boolean> => {
    const oldest = among
      .filter((session) => session.open === 0)
      .reduce<Session | undefined>((a, b) => (a && a.lastSeen <= b.lastSeen ? a : b), undefined);
    if (!oldest) return false;
    options.logger.info('oldest idle session closed for a new one', { sessions: sessions.size });
    await close(oldest);
    return true;
  };

  /** Makes room for one more session from `client`; false when there is none to make. */
  const room = async (client: string): Promise<boolean> => {
    const all = [...sessions.values()];
    const own = all.filter((session) => session.client === client);
    if (own.length >= options.maxPerClient) return giveWay(own);
    if (all.length + opening >= options.maxSessions) return giveWay(all);
    return true;
  };
  /** initialize requests being answered, not in the table yet: counted against the bound. */
  let opening = 0;

  const open = async (request: Request, client: string): Promise<Served> => {
    if (!(await room(client))) {
      return {
        response: jsonRpcError(
          503,
          -32000,
          'Too many open sessions, all busy: close one (DELETE) or try again later.',
          { 'Retry-After': '5' },
        ),
        done: NOTHING_TO_RELEASE,
      };
    }
    const server = options.createServer();
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: randomUUID,
      maxRequestBodySize: options.maxRequestBodySize,
      onsessioninitialized: (id) => {
        sessions.set(id, session);
        options.logger.debug('session opened', { sessions: sessions.size });
      },
    });
    const session: Session = { server, transport, client, open: 0, streams: 0, lastSeen: Date.now() };
    transport.onclose = () => {
      if (transport.sessionId && sessions.delete(transport.sessionId)) {
        options.logger.debug('session closed', { sessions: sessions.size });
      }
    };
    await server.connect(transport);
    opening += 1;
    let served: Served;
    try {
      served = await serve(session, request);
    } finally {
      opening -= 1;
    }
    // Anything but a successful initialize (the transport has answered it with the error) opens nothing.
    if (transport.sessionId === undefined) {
      served.done();
      await server.close();
      return { response: served.response, done: NOTHING_TO_RELEASE };
    }
    return served;
  };

  return {
    async handle(request, client) {
      const id = request.headers.get('mcp-session-id');
      if (id === null) return open(request, client);
      const session = sessions.get(id);
      if (!session) {
        return {
          response: jsonRpcError(
            404,
            -32001,
            'Session not found: it ended or expired. Start a new one with initialize.',
          ),
          done: NOTHING_TO_RELEASE,
        };
      }
      return serve(session, request);
    },
    async expireIdle(now) {
      const idle = [...sessions.values()].filter(
        (session) =>
          session.open === 0 &&
          now - session.lastSeen >= (session.streams > 0 ? options.streamIdleMs : options.idleMs),
      );
      await Promise.all(idle.map(close));
      if (idle.length > 0) options.logger.info('idle sessions expired', { expired: idle.length });
      return idle.length;
    },
    async closeAll() {
      const all = [...sessions.values()];
      sessions.clear();
      await Promise.all(all.map((session) => session.server.close().catch(() => {})));
    },
    get size() {
      return sessions.size;
    },
  };
}
