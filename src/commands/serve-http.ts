/**
 * `memoram-mcp serve --http`: MCP over Streamable HTTP (src/mcp/http.ts), with the memory page at
 * / on loopback, until SIGINT/SIGTERM, which drain the requests in flight and close the database.
 */
import type { Config } from '../config.js';
import { openConnection } from '../connection/open-connection.js';
import { createEmbeddings } from '../embeddings/embeddings.js';
import type { Logger } from '../log/logger.js';
import { type HttpServer, isLoopbackHost, startHttpServer } from '../mcp/http.js';
import { describeHttpAuth, resolveHttpAuth } from '../mcp/http-token.js';
import { createServer } from '../mcp/server.js';
import { createMemoryPage } from '../ui/routes.js';
import { listenError } from './listen-error.js';
import { keepYoungGenerationSmall, scopeSetting, untilSignal } from './serve-process.js';

export interface HttpOptions {
  /** --no-token: serve without a bearer token (loopback only). */
  noToken: boolean;
}

export async function serveHttp(
  config: Readonly<Config>,
  logger: Logger,
  version: string,
  options: HttpOptions,
): Promise<number> {
  keepYoungGenerationSmall();
  // Before the store opens: no token off loopback is refused, the memories would be open to the network.
  const auth = await resolveHttpAuth(config, options.noToken);
  const embeddings = createEmbeddings(config, { logger });
  const connection = await openConnection(config, logger, embeddings);
  const signalled = untilSignal();
  let server: HttpServer;
  // The memory page beside /mcp, on loopback only: it is for the person at this machine.
  let port = 0;
  const page = isLoopbackHost(config.http.host)
    ? createMemoryPage({ config, connection, logger, port: () => port })
    : undefined;
  try {
    server = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      token: auth.token,
      connection,
      createServer: () =>
        createServer({ connection, readOnly: config.readOnly, logger, version, scope: scopeSetting(config) }),
      logger,
      ...(page ? { page } : {}),
    });
    port = Number(new URL(server.url).port);
  } catch (error) {
    await connection.close();
    await embeddings.close();
    throw listenError(error, config.http.host, config.http.port) ?? error;
  }
  // Always printed, whatever the log level: with --port 0 it is how the user learns the port. One
  // write, so whoever reads the first line finds the page's link with it.
  process.stderr.write(
    `memoram-mcp: serving MCP over Streamable HTTP at ${server.url} (backend: ${connection.backend}${config.readOnly ? ', read-only' : ''}; ${describeHttpAuth(auth)})\n` +
      (page ? `memoram-mcp: your memories at ${page.url()}\n` : ''),
  );
  const reason = await signalled;
  logger.info(`shutting down (${reason})`);
  await server.close().catch((error) => logger.warn('closing the HTTP server failed', { error }));
  await connection.close();
  await embeddings.close();
  return 0;
}
