/**
 * `memoram-mcp serve`: MCP over stdio. stdout carries only JSON-RPC (logs go to stderr); the
 * process ends cleanly, closing the database, when stdin closes or on SIGINT/SIGTERM.
 */
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { openConnection } from '../open-connection.js';
import { createServer } from '../server.js';

export async function serve(config: Readonly<Config>, logger: Logger, version: string): Promise<number> {
  const connection = await openConnection(config, logger);
  const handle = serveStdio(() => createServer({ connection, readOnly: config.readOnly, logger, version }), {
    onerror: (error) => logger.warn('transport error', { error }),
  });
  logger.info(
    `serving MCP over stdio (backend: ${connection.backend}${config.readOnly ? ', read-only' : ''})`,
  );

  const reason = await new Promise<string>((resolve) => {
    process.stdin.once('end', () => resolve('stdin closed'));
    process.stdin.once('close', () => resolve('stdin closed'));
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  logger.info(`shutting down (${reason})`);
  await handle.close().catch((error) => logger.warn('closing the transport failed', { error }));
  await connection.close();
  return 0;
}
