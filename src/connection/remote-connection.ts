/**
 * The connection to a Memoram account. Until the user has approved access, memory tools get an
 * error that says to call authorize; once the flow reports approval (now, or after a restart from
 * the cached credentials) the server switches to a MemoryService on the remote backend, without a
 * restart, and warms its search index in the background.
 */

import { mkdir } from 'node:fs/promises';
import { openBrowser } from '../auth/browser.js';
import type { ConsentSettings } from '../auth/consent.js';
import { CredentialStore, type Credentials, profileId } from '../auth/credentials.js';
import { AuthorizationFlow } from '../auth/flow.js';
import type { Config } from '../config.js';
import type { Embeddings } from '../embeddings/provider.js';
import type { Logger } from '../log/logger.js';
import { MemoramClient } from '../memoram/client.js';
import { MemoramError } from '../memory/errors.js';
import { MemoryService } from '../memory/service.js';
import { RemoteBackend } from '../replica/remote-backend.js';
import { deleteReplica, replicaFile, replicaKey } from '../replica/replica-file.js';
import { indexMergeFailed } from '../store/index-upkeep.js';
import { MemoryDatabase } from '../store/memory-db.js';
import {
  type AuthorizeInput,
  type AuthorizeOptions,
  authRequired,
  type Connection,
  type ConnectionState,
} from './connection.js';

export interface RemoteConnectionOptions {
  client: MemoramClient;
  flow: AuthorizationFlow;
  logger: Logger;
  /** How old the remote index may get before a background refresh starts. */
  refreshIntervalMs?: number;
  /**
   * Where the account's replica lives (replica-file.ts): the data and config directories and the
   * API URL. Without it the replica is kept in memory, for this process only.
   */
  replica?: { dataDir: string; configDir: string; apiUrl: string };
  /** The server's embedding model, for search by meaning in the replica. */
  embeddings?: Embeddings | undefined;
}

export class RemoteConnection implements Connection {
  readonly backend = 'memoram';
  private memory: MemoryService | undefined;
  private userId: string | undefined;
  private readonly listeners = new Set<(service: MemoryService) => void>();

  constructor(private readonly options: RemoteConnectionOptions) {
    const cached = options.flow.credentials();
    if (cached) this.attach(cached);
    options.flow.onAuthorized((credentials) => this.attach(credentials));
    options.flow.onChange(() => {
      const state = this.options.flow.current().state;
      if (state === 'authorized') return;
      const userId = this.userId;
      const closed = this.detach();
      if (state === 'revoked' && userId) void closed.then(() => this.forgetReplica(userId));
    });
    options.flow.resume();
  }

  static open(config: Readonly<Config>, logger: Logger, embeddings?: Embeddings): RemoteConnection {
    if (!config.apiKey) throw new MemoramError('BAD_CONFIG', 'MEMORAM_API_KEY is not set.');
    const client = new MemoramClient({ apiUrl: config.apiUrl, apiKey: config.apiKey, logger });
    const store = new CredentialStore(config.configDir, profileId(config.apiUrl, config.apiKey));
    const flow = new AuthorizationFlow({
      client,
      store,
      logger,
      memoryKey: config.memoryKey,
      oauth: consentSettings(config),
    });
    const replica = { dataDir: config.dataDir, configDir: config.configDir, apiUrl: config.apiUrl };
    return new RemoteConnection({ client, flow, logger, replica, embeddings });
  }

  /** Opens (creating if need be) the user's shared replica file. */
  private replicaOpener(userId: string): (() => Promise<MemoryDatabase>) | undefined {
    const where = this.options.replica;
    if (!where) return undefined;
    return async () => {
      await mkdir(where.dataDir, { recursive: true, mode: 0o700 });
      const { key, keyFile } = await replicaKey(where.configDir);
      const upkeep = { onError: indexMergeFailed(this.options.logger) };
      return MemoryDatabase.open(replicaFile({ ...where, userId }), { key, keyFile, upkeep });
    };
  }

  /** A revoke ends this account's replica: nothing of it stays on disk. */
  private forgetReplica(userId: string): void {
    const where = this.options.replica;
    if (!where) return;
    deleteReplica({ ...where, userId }).catch((error) =>
      this.options.logger.warn('could not delete the replica after access was revoked', { error }),
    );
  }

  private attach(credentials: Credentials): void {
    const { logger, flow } = this.options;
    this.userId = credentials.user_id;
    const backend = new RemoteBackend({
      client: this.options.client,
      credentials,
      refreshCredentials: () => flow.refreshCredentials(),
      onAccessLost: () => {
        flow.checkAccess().catch((error) => logger.warn('checking access after a 403 failed', { error }));
      },
      logger,
      refreshIntervalMs: this.options.refreshIntervalMs,
      openReplica: this.replicaOpener(credentials.user_id),
      embeddings: this.options.embeddings,
      onBackgroundError: (error) => logger.warn('refreshing the memory index from Memoram failed', { error }),
    });
    const previous = this.memory;
    this.memory = new MemoryService(backend);
    backend.warmUp().catch((error) => logger.warn('warming the memory index from Memoram failed', { error }));
    previous?.close().catch(() => {});
    for (const listener of this.listeners) listener(this.memory);
  }

  private detach(): Promise<void> {
    const closed = this.memory?.close().catch(() => {});
    this.memory = undefined;
    this.userId = undefined;
    return closed ?? Promise.resolve();
  }

  service(): MemoryService {
    if (this.memory) return this.memory;
    const state = this.options.flow.current();
    if (state.state === 'awaiting_approval') {
      throw new MemoramError(
        'APPROVAL_PENDING',
        'The Memoram access request is still waiting for the user’s approval.',
        {
          hint: 'Ask the user to approve it in their Memoram dashboard, then call authorize to check.',
        },
      );
    }
    if (state.state === 'revoked' || state.state === 'rejected') {
      throw new MemoramError('ACCESS_REVOKED', state.message);
    }
    throw authRequired();
  }

  status(): ConnectionState {
    return this.options.flow.current();
  }

  authorize(input: AuthorizeInput, options?: AuthorizeOptions): Promise<ConnectionState> {
    return this.options.flow.authorize(input, options);
  }

  onServiceChange(listener: (service: MemoryService) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onStatusChange(listener: (state: ConnectionState) => void): () => void {
    return this.options.flow.onChange(() => listener(this.options.flow.current()));
  }

  async close(): Promise<void> {
    await this.options.flow.close();
    await this.memory?.close();
    await this.options.client.close();
  }
}

/** The browser sign-in, configured only with an OAuth client id (from the Memoram developer portal). */
function consentSettings(config: Readonly<Config>): ConsentSettings | undefined {
  if (!config.clientId) return undefined;
  return {
    authorizeUrl: config.oauthAuthorizeUrl,
    tokenUrl: config.oauthTokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scope: config.oauthScope || undefined,
    redirectPort: config.redirectPort,
    openBrowser: config.noBrowser ? undefined : openBrowser,
  };
}
