/**
 * The store's facts the memory page shows: which backend, where its file is, the connection's
 * state, and whether the page may write. Never a key, token or user secret.
 */
import type { Config } from '../config.js';
import type { Connection } from '../connection/connection.js';
import type { SearchByMeaningStatus } from '../memory/types.js';
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
  const embeddings = embeddingsText(connection);
  return {
    backend: connection.backend,
    file,
    state: status.state,
    message: status.message,
    read_only: config.readOnly,
    ...(embeddings ? { extra: { Embeddings: embeddings } } : {}),
  };
}

/** Search by meaning's state, where the backend has one (the local store's vector fill). */
function embeddingsText(connection: Connection): string | undefined {
  let status: SearchByMeaningStatus | undefined;
  try {
    status = connection.service().searchByMeaning();
  } catch {
    return undefined;
  }
  if (!status) return undefined;
  switch (status.state) {
    case 'off':
      return `Off: ${status.reason}`;
    case 'loading':
      return `Loading ${status.model}`;
    case 'failed':
      return `Not available (${status.model} failed to load): search is by words alone`;
    case 'ready': {
      const progress = status.vectors;
      if (!progress) return `${status.model}, ready`;
      return `${status.model}: ${progress.embedded} of ${progress.total} memories${progress.filling ? ', filling' : ''}`;
    }
  }
}
