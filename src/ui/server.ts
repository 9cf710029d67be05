/**
 * The listener of `memoram-mcp ui`: node:http on 127.0.0.1 only, serving the memory page
 * (routes.ts). Slow clients are bounded by node:http's timeouts; close() ends open connections.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import type { Connection } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import { sendWebResponse, toWebRequest } from '../mcp/http-bridge.js';
import { createMemoryPage } from './routes.js';

export interface PageServer {
  /** The page's URL with this start's token. */
  url: string;
  close(): Promise<void>;
}

export async function startPageServer(options: {
  config: Readonly<Config>;
  connection: Connection;
  logger: Logger;
  port: number;
}): Promise<PageServer> {
  let port = options.port;
  const page = createMemoryPage({ ...options, port: () => port });
  const server = createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, (req, res) => {
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const converted = toWebRequest(req, abort.signal);
    ('refusal' in converted ? Promise.resolve(converted.refusal) : page.handle(converted.request))
      .catch((error: unknown) => {
        options.logger.error('serving the memory page failed', { error });
        return new Response('Internal error, see the server log.', { status: 500 });
      })
      .then((response) => sendWebResponse(response, res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: page.url(),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
