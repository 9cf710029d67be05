/**
 * Shutting serve --http down without resetting anyone. From the first signal on, a request that
 * arrives is read to its end and answered 503 with Retry-After (a client can tell that from a
 * crash, and knows nothing of it ran), while the requests in flight finish, for `drainMs` at most.
 * The port stays open meanwhile, and until no connection has come for `graceMs` (within `drainMs`
 * in all): a connection queued when the port closes is reset by the kernel, and a busy event loop
 * can leave one queued for a while, so the port closes only once arrivals have stopped, and then
 * right after a poll (from setImmediate), when the queue has just been emptied.
 * GET streams are not waited for (they never end by themselves): closing the MCP servers ends them.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { finished } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { jsonRpcError, sendWebResponse } from './http-bridge.js';

export interface DrainOptions {
  drainMs: number;
  /** How long no new connection must come before the port closes. */
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
  let lastArrival = 0;
  server.on('connection', () => {
    lastArrival = performance.now();
  });
  /**
   * Resolves once no connection has come for graceMs, or at `deadline`. Checked again after a
   * poll: a loop that was busy accepts the queued connections only then, and they need their
   * own grace, or closing the idle connections would reset them before their request is read.
   */
  const quiet = async (deadline: number) => {
    for (;;) {
      const wait = Math.min(lastArrival + options.graceMs, deadline) - performance.now();
      if (wait > 0) {
        await delay(wait);
        continue;
      }
      const seen = lastArrival;
      await new Promise((resolve) => setImmediate(resolve));
      if (lastArrival === seen || performance.now() >= deadline) return;
    }
  };
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
      const deadline = performance.now() + options.drainMs;
      lastArrival = performance.now();
      const drained =
        inFlight === 0
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              idle = resolve;
              setTimeout(resolve, options.drainMs).unref();
            });
      await drained;
      await quiet(deadline);
      await stopServing();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([stopped, delay(options.lingerMs)]);
      server.closeAllConnections();
      await stopped;
    },
  };
}
