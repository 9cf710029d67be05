/**
 * Builds the Connection the configuration asks for: the local store by default, Memoram when a
 * developer API key is configured. The Memoram side (HTTP client, OAuth, credentials) is loaded
 * only then.
 */

import type { Config } from '../config.js';
import type { Embeddings } from '../embeddings/provider.js';
import type { Logger } from '../log/logger.js';
import { MemoryService } from '../memory/service.js';
import { openLocalBackend } from '../store/local-backend.js';
import { type Connection, LocalConnection } from './connection.js';

/** `embeddings`: the server's model, for search by meaning (a command like status goes without). */
export async function openConnection(
  config: Readonly<Config>,
  logger: Logger,
  embeddings?: Embeddings,
): Promise<Connection> {
  if (config.backend === 'local') {
    const backend = await openLocalBackend(config, logger, embeddings);
    return new LocalConnection(new MemoryService(backend));
  }
  const { RemoteConnection } = await import('./remote-connection.js');
  return RemoteConnection.open(config, logger, embeddings);
}
