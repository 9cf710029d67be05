/**
 * The local backend: memories in one encrypted MemoryDatabase at the configured store file, keyed
 * from the local key. Every process on the file reads what every other wrote at once: there is
 * nothing to sync. A store written by release 0.1 (plaintext file, sealed content) is converted
 * on first open (legacy-store.ts).
 */
import path from 'node:path';
import { scopedFingerprint } from '../crypto/codec.js';
import { LOCAL_KEY_FILE, loadOrCreateLocalKey } from '../crypto/local-key.js';
import { storeKeyFrom } from '../crypto/store-key.js';
import { type Logger, silentLogger } from '../log/logger.js';
import { memoryConflict, memoryNotFound } from '../memory/errors.js';
import type {
  CreateOutcome,
  Memory,
  MemoryBackend,
  MemoryFields,
  MemoryPatch,
  NewMemory,
  ScopeFilter,
  ScopeInfo,
  SearchPage,
  SearchParams,
  TagInfo,
} from '../memory/types.js';
import { indexMergeFailed } from './index-upkeep.js';
import { convertLegacyStore } from './legacy-store.js';
import { MemoryDatabase } from './memory-db.js';

export const LOCAL_USER_ID = 'local';

export class LocalBackend implements MemoryBackend {
  readonly kind = 'local';

  constructor(
    readonly db: MemoryDatabase,
    private readonly key: Buffer,
  ) {}

  fingerprint(content: string, scope: string | null): string {
    return scopedFingerprint(content, scope, this.key);
  }

  async get(ids: readonly string[]): Promise<Memory[]> {
    return this.db.get(ids);
  }

  async create(fields: MemoryFields, contentFingerprint: string): Promise<CreateOutcome> {
    const { memory, existing, similar } = this.db.create(fields, contentFingerprint);
    return { memory, deduplicated: existing, similar };
  }

  async createMany(entries: readonly NewMemory[]): Promise<CreateOutcome[]> {
    return this.db
      .createMany(entries)
      .map(({ memory, existing }) => ({ memory, deduplicated: existing, similar: [] }));
  }

  /** Worth its cost (a pass over the whole index) when the bulk write is a tenth of the store or more. */
  async compact(written: number): Promise<void> {
    if (written * 10 >= this.db.count()) this.db.compactIndex();
  }

  async update(id: string, patch: MemoryPatch, expectedUpdatedAt?: string): Promise<Memory> {
    const fingerprintOf = (content: string, scope: string | null) => this.fingerprint(content, scope);
    const outcome = this.db.update(id, { ...patch, fingerprintOf }, expectedUpdatedAt);
    if (outcome.status === 'not_found') throw memoryNotFound(id);
    if (outcome.status === 'conflict') throw memoryConflict(id, outcome.current_updated_at);
    return outcome.memory;
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(id);
  }

  async search(params: SearchParams, now: number): Promise<SearchPage> {
    return this.db.search(params, now);
  }

  async count(): Promise<number> {
    return this.db.count();
  }

  async all(): Promise<Memory[]> {
    return this.db.all();
  }

  async listTags(scopes: ScopeFilter | undefined): Promise<TagInfo[]> {
    return this.db.tagCounts(scopes);
  }

  async listScopes(): Promise<ScopeInfo[]> {
    return this.db.scopeCounts();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Opens the local store and key under the configured directories. */
export async function openLocalBackend(
  dirs: { storeFile: string; configDir: string },
  logger: Logger = silentLogger,
): Promise<LocalBackend> {
  const key = await loadOrCreateLocalKey(dirs.configDir);
  const keyFile = path.join(dirs.configDir, LOCAL_KEY_FILE);
  const storeKey = storeKeyFrom(key);
  convertLegacyStore(dirs.storeFile, { localKey: key, storeKey, keyFile });
  const upkeep = { onError: indexMergeFailed(logger) };
  return new LocalBackend(MemoryDatabase.open(dirs.storeFile, { key: storeKey, keyFile, upkeep }), key);
}
