/**
 * Shutting serve --http down without resetting anyone. From the first signal on, a request that
 * arrives is read to its end and answered 503 with Retry-After (a client can tell that from a
 * crash, and knows nothing of it ran), while the requests in flight finish, for `drainMs` at most.
 * The port stays open meanwhile, and for `graceMs` at least: a connection already queued when the
 * signal came is accepted and answered, where closing the port at once would reset it.
 * GET streams are not waited for (they never end by themselves): closing the MCP servers ends them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { jsonRpcError, sendWebResponse } from './http-bridge.js';

export interface DrainOptions {
  drainMs: number;
  graceMs: number;
  /** How long a refused client should wait: a restarted server is usually back by then. */
  retryAfterSeconds: number;
  /** How long connections get to finish their last answers once the port is closed. */
  lingerMs: number;
}

export interface Drain {
  readonly closing: boolean;
  /** Counts a request as in flight; call the result once it has been answered. */
  track(): () => void;
  /** Answers a request that came while closing. */
  refuse(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Drains, runs `stopServing` (the MCP servers closing), then closes the port and every connection. */
  close(stopServing: () => Promise<void>): Promise<void>;
}

export function createDrain(server: Server, options: DrainOptions): Drain {
  let closing = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  return {
    get closing() {
      return closing;
    },
    track() {
      inFlight += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
        if (inFlight === 0) idle?.();
      };
    },
    async refuse(req, res) {
      // An unread body left in the socket when it closes makes the kernel reset the connection,
      // and the client may lose the answer with it: read it all first.
      req.resume();
      await finished(req).catch(() => {});
      await sendWebResponse(
        jsonRpcError(503, -32000, 'The server is shutting down: nothing was done; try again shortly.', {
          'Retry-After': String(options.retryAfterSeconds),
          Connection: 'close',
        }),
        res,
      );
    },
    async close(stopServing) {
      closing = true;
      const drained =
        inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              idle = resolve;
              setTimeout(resolve, options.drainMs).unref();
            });
      await Promise.all([drained, delay(options.graceMs)]);
      await stopServing();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([stopped, delay(options.lingerMs)]);
      server.closeAllConnections();
      await stopped;
    },
  };
}
