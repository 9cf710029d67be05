/**
 * `memoram-mcp serve`: MCP over stdio. stdout carries only JSON-RPC (logs go to stderr); the
 * process ends cleanly, closing the database, when stdin closes, when the client stops reading,
 * or on SIGINT/SIGTERM. `serve --http`: MCP over Streamable HTTP (src/mcp/http.ts) until
 * SIGINT/SIGTERM, which drain the requests in flight and close the database.
 *
 * Once the client's handshake is likely answered, the store is read once in the background (its
 * schema and a count), so the first request does not pay for opening it.
 */
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { Config } from '../config.js';
import { openConnection } from '../connection/open-connection.js';
import { createEmbeddings } from '../embeddings/embeddings.js';
import type { Logger } from '../log/logger.js';
import { type HttpServer, isLoopbackHost, startHttpServer } from '../mcp/http.js';
import { describeHttpAuth, resolveHttpAuth } from '../mcp/http-token.js';
import { currentService } from '../mcp/resources.js';
import { createServer } from '../mcp/server.js';
import { LineStdioTransport } from '../mcp/stdio-transport.js';
import { createMemoryPage } from '../ui/routes.js';
import { listenError } from './listen-error.js';

/** Long enough for a client's initialize and first list requests, which arrive right after start. */
const WARM_UP_AFTER_MS = 100;

/**
 * V8 doubles its young generation, up to 16 MiB a half (32 MiB resident), whenever enough objects
 * have survived its collections, which a long-lived process's requests always come to. For a
 * server answering its clients' calls one at a time, that was a quarter of its resident memory,
 * for no speed the benchmark could see (search and create latency alike with the young generation
 * held at its first size). V8 reads the factor each time it would grow, so it takes effect here.
 */
function keepYoungGenerationSmall(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}

/**
 * The first SIGINT or SIGTERM, listened for from this call on. Called before the server says it is
 * serving: a client (or a test) may signal as soon as it reads that line, and a signal that comes
 * before its listener ends the process by the signal's default action, without closing the
 * database. One that comes while the store opens still does that; the store survives a kill.
 *
 * A second signal of either kind, while shutdown drains, ends the process at once (a user
 * pressing Ctrl-C again means it), with the shell's code for death by that signal.
 */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      for (const name of SIGNALS) {
        process.off(name, first);
        process.once(name, again);
      }
      resolve(signal);
    };
    const again = (signal: NodeJS.Signals) => {
      process.stderr.write(`memoram-mcp: ${signal} again during shutdown: exiting now\n`);
      process.exit(128 + (os.constants.signals[signal] ?? 0));
    };
    for (const name of SIGNALS) process.on(name, first);
  });
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

export async function serve(config: Readonly<Config>, logger: Logger, version: string): Promise<number> {
  keepYoungGenerationSmall();
  // Gets ready in the background: until it is, search is by words.
  const embeddings = createEmbeddings(config, { logger });
  const connection = await openConnection(config, logger, embeddings);
  const signalled = untilSignal();
  const transport = new LineStdioTransport({ logger });
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

/** MEMORAM_SCOPE, and the folder whose git repository `auto` names when the client has no roots. */
function scopeSetting(config: Readonly<Config>) {
  return { scope: config.scope, cwd: process.cwd() };
}

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
