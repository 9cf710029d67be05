/**
 * 2025-era sessions over Streamable HTTP: one SDK transport and one McpServer per Mcp-Session-Id,
 * made by `initialize`, ended by DELETE, by idle expiry or at shutdown. Each session's server
 * sends its own notifications (resource list changes, the URIs it subscribed to) on its own
 * GET stream, so they reach that client and no other.
 *
 * A session is idle when no request of it is in flight (its GET stream counts as one) and none
 * came for `idleMs`: an abandoned client's session is dropped, while a client holding its
 * notification stream open keeps it.
 */
import { randomUUID } from 'node:crypto';
import { type McpServer, WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/server';
import type { Logger } from '../log/logger.js';
import { jsonRpcError } from './http-bridge.js';

export interface SessionsOptions {
  createServer: () => McpServer;
  logger: Logger;
  maxSessions: number;
  idleMs: number;
  maxRequestBodySize: number;
}

interface Session {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  /** Requests (and GET streams) of this session being answered right now. */
  open: number;
  lastSeen: number;
}

/** A response, and what to call once it has been sent in full (or its client went away). */
export interface Served {
  response: Response;
  done(): void;
}

export interface Sessions {
  /** Serves a 2025-era request: a session's own, or an `initialize` that opens one. */
  handle(request: Request): Promise<Served>;
  /** Closes the sessions idle since before `now - idleMs`; returns how many. */
  expireIdle(now: number): Promise<number>;
  closeAll(): Promise<void>;
  readonly size: number;
}

const NOTHING_TO_RELEASE = () => {};

export function createSessions(options: SessionsOptions): Sessions {
  const sessions = new Map<string, Session>();

  const serve = async (session: Session, request: Request): Promise<Served> => {
    session.open += 1;
    session.lastSeen = Date.now();
    let released = false;
    const done = () => {
      if (released) return;
      released = true;
      session.open -= 1;
      session.lastSeen = Date.now();
    };
    try {
      return { response: await session.transport.handleRequest(request), done };
    } catch (error) {
      done();
      throw error;
    }
  };

  const open = async (request: Request): Promise<Served> => {
    if (sessions.size >= options.maxSessions) {
      return {
        response: jsonRpcError(503, -32000, 'Too many open sessions: close one (DELETE) or try again later.'),
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
    const session: Session = { server, transport, open: 0, lastSeen: Date.now() };
    transport.onclose = () => {
      if (transport.sessionId && sessions.delete(transport.sessionId)) {
        options.logger.debug('session closed', { sessions: sessions.size });
      }
    };
    await server.connect(transport);
    const served = await serve(session, request);
    // Anything but a successful initialize (the transport has answered it with the error) opens nothing.
    if (transport.sessionId === undefined) {
      served.done();
      await server.close();
      return { response: served.response, done: NOTHING_TO_RELEASE };
    }
    return served;
  };

  return {
    async handle(request) {
      const id = request.headers.get('mcp-session-id');
      if (id === null) return open(request);
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
        (session) => session.open === 0 && now - session.lastSeen >= options.idleMs,
      );
      await Promise.all(idle.map((session) => session.server.close().catch(() => {})));
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
