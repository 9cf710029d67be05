/**
 * `memoram-mcp serve`: MCP over stdio. stdout carries only JSON-RPC (logs go to stderr); the
 * process ends cleanly, closing the database, when stdin closes, when the client stops reading,
 * or on SIGINT/SIGTERM. `serve --http` is in serve-http.ts: a client starting the stdio server
 * waits for none of the HTTP server's modules (nor the memory page's).
 *
 * Once the client's handshake is likely answered, the store is read once in the background (its
 * schema and a count), so the first request does not pay for opening it; the embedding model
 * begins to load once it is answered.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Config } from '../config.js';
import { openConnection } from '../connection/open-connection.js';
import { createEmbeddings } from '../embeddings/embeddings.js';
import type { Logger } from '../log/logger.js';
import { currentService } from '../mcp/resources.js';
import { createServer } from '../mcp/server.js';
import { LineStdioTransport } from '../mcp/stdio-transport.js';
import { keepYoungGenerationSmall, scopeSetting, untilSignal } from './serve-process.js';

/** Long enough for a client's initialize and first list requests, which arrive right after start. */
const WARM_UP_AFTER_MS = 100;

export async function serve(config: Readonly<Config>, logger: Logger, version: string): Promise<number> {
  keepYoungGenerationSmall();
  const transport = new LineStdioTransport({ logger });
  // Gets ready in the background once the client's handshake is answered (or, for a client that
  // asks nothing after initialize, soon after start): until it is, search is by words.
  const handshakeOver = Promise.race([
    transport.handshakeAnswered,
    delay(WARM_UP_AFTER_MS, undefined, { ref: false }),
  ]);
  const embeddings = createEmbeddings(config, { logger, startAfter: handshakeOver });
  const connection = await openConnection(config, logger, embeddings);
  const signalled = untilSignal();
  const handle = serveStdio(
    () =>
      createServer({ connection, readOnly: config.readOnly, logger, version, scope: scopeSetting(config) }),
    {
      transport,
      onerror: (error) => logger.warn('transport error', { error }),
    },
  );
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
    signalled.then(resolve);
  });
  logger.info(`shutting down (${reason})`);
  clearTimeout(warmUp);
  await handle.close().catch((error) => logger.warn('closing the transport failed', { error }));
  await connection.close();
  await embeddings.close();
  return 0;
}
