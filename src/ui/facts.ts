/**
 * The store's facts the memory page shows: which backend, where its file is, the connection's
 * state, and whether the page may write. Never a key, token or user secret.
 */
import type { Config } from '../config.js';
import type { Connection } from '../connection/connection.js';
import { replicaFile } from '../replica/replica-file.js';
import type { StoreFacts } from './wire.js';

export function storeFacts(config: Readonly<Config>, connection: Connection): Omit<StoreFacts, 'memories'> {
  const status = connection.status();
  const file =
    connection.backend === 'local'
      ? config.storeFile
      : 'user_id' in status
        ? replicaFile({ dataDir: config.dataDir, apiUrl: config.apiUrl, userId: status.user_id })
        : null;
  return {
    backend: connection.backend,
    file,
    state: status.state,
    message: status.message,
    read_only: config.readOnly,
  };
}
