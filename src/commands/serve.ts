/**
 * `memoram-mcp serve`: MCP over stdio. stdout carries only JSON-RPC (logs go to stderr); the
 * process ends cleanly, closing the database, when stdin closes, when the client stops reading,
 * or on SIGINT/SIGTERM.
 *
 * Once the client's handshake is likely answered, the store is loaded into the search index in
 * the background, so the first search does not wait for it (about a second at 10,000 memories).
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Config } from '../config.js';
import { openConnection } from '../connection/open-connection.js';
import type { Logger } from '../log/logger.js';
import { currentService } from '../mcp/resources.js';
import { createServer } from '../mcp/server.js';
import { LineStdioTransport } from '../mcp/stdio-transport.js';

/** Long enough for a client's initialize and first list requests, which arrive right after start. */
const WARM_UP_AFTER_MS = 100;

export async function serve(config: Readonly<Config>, logger: Logger, version: string): Promise<number> {
  const connection = await openConnection(config, logger);
  const transport = new LineStdioTransport({ logger });
  const handle = serveStdio(() => createServer({ connection, readOnly: config.readOnly, logger, version }), {
    transport,
    onerror: (error) => logger.warn('transport error', { error }),
  });
  logger.info(
    `serving MCP over stdio (backend: ${connection.backend}${config.readOnly ? ', read-only' : ''})`,
  );
  const warmUp = setTimeout(() => {
    currentService(connection)
      ?.count()
      .then(
        (memories) => logger.debug('memory index loaded', { memories }),
        (error) => logger.warn('loading the memory index failed', { error }),
      );
  }, WARM_UP_AFTER_MS).unref();

  const reason = await new Promise<string>((resolve) => {
    process.stdin.once('end', () => resolve('stdin closed'));
    process.stdin.once('close', () => resolve('stdin closed'));
    transport.closed.then(() => resolve('the client went away'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info(`shutting down (${reason})`);
  clearTimeout(warmUp);
  await handle.close().catch((error) => logger.warn('closing the transport failed', { error }));
  await connection.close();
  return 0;
}
