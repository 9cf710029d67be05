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
import type { Embeddings } from '../embeddings/provider.js';
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
  SearchByMeaningStatus,
  SearchPage,
  SearchParams,
  TagInfo,
} from '../memory/types.js';
import { indexMergeFailed } from './index-upkeep.js';
import { convertLegacyStore } from './legacy-store.js';
import { MemoryDatabase } from './memory-db.js';
import { VectorFill } from './vector-fill.js';

export const LOCAL_USER_ID = 'local';

export class LocalBackend implements MemoryBackend {
  readonly kind = 'local';

  /** Vectors for search by meaning, when the server has an embedding model. */
  readonly vectors: VectorFill | undefined;

  constructor(
    readonly db: MemoryDatabase,
    private readonly key: Buffer,
    embeddings?: Embeddings,
    logger?: Logger,
  ) {
    this.vectors = embeddings && new VectorFill(() => this.db, embeddings, { logger });
    this.vectors?.start();
  }

  searchByMeaning(): SearchByMeaningStatus | undefined {
    return this.vectors?.status();
  }

  async vectorCounts(): Promise<{ model: string; count: number }[]> {
    return this.db.vectorCounts();
  }

  fingerprint(content: string, scope: string | null): string {
    return scopedFingerprint(content, scope, this.key);
  }

  async get(ids: readonly string[]): Promise<Memory[]> {
    return this.db.get(ids);
  }

  async create(fields: MemoryFields, contentFingerprint: string): Promise<CreateOutcome> {
    const vector = await this.vectors?.vectorOf(fields);
    const { memory, existing, similar } = this.db.create(fields, contentFingerprint, undefined, vector);
    return { memory, deduplicated: existing, similar };
  }

  async createMany(entries: readonly NewMemory[]): Promise<CreateOutcome[]> {
    const vectors = (await this.vectors?.vectorsOf(entries.map(({ fields }) => fields))) ?? [];
    return this.db
      .createMany(entries.map((entry, at) => ({ ...entry, vector: vectors[at] })))
      .map(({ memory, existing }) => ({ memory, deduplicated: existing, similar: [] }));
  }

  /** Worth its cost (a pass over the whole index) when the bulk write is a tenth of the store or more. */
  async compact(written: number): Promise<void> {
    if (written * 10 >= this.db.count()) this.db.compactIndex();
  }

  async update(id: string, patch: MemoryPatch, expectedUpdatedAt?: string): Promise<Memory> {
    const fingerprintOf = (content: string, scope: string | null) => this.fingerprint(content, scope);
    const vector = await this.vectorOfUpdate(id, patch);
    const outcome = this.db.update(id, { ...patch, fingerprintOf }, expectedUpdatedAt, undefined, vector);
    if (outcome.status === 'not_found') throw memoryNotFound(id);
    if (outcome.status === 'conflict') throw memoryConflict(id, outcome.current_updated_at);
    return outcome.memory;
  }

  /** The vector of the text an update leaves (the write stores it only if the text is still that). */
  private async vectorOfUpdate(id: string, patch: MemoryPatch) {
    const { title, summary, tags, content } = patch;
    if (!this.vectors || [title, summary, tags, content].every((field) => field === undefined))
      return undefined;
    const [current] = this.db.get([id]);
    if (!current || (current.unreadable && content === undefined)) return undefined;
    return this.vectors.vectorOf({
      title: title ?? current.title,
      summary: summary ?? current.summary,
      tags: tags === undefined ? current.tags : [...new Set(tags)],
      content: content ?? current.content,
    });
  }

  async delete(id: string): Promise<boolean> {
    return this.db.delete(id);
  }

  async search(params: SearchParams, now: number, signal?: AbortSignal): Promise<SearchPage> {
    const query = await this.vectors?.queryVector(params.query, signal);
    return this.db.search(params, now, query);
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
    this.vectors?.close();
    await this.vectors?.idle();
    this.db.close();
  }
}

/** Opens the local store and key under the configured directories. */
export async function openLocalBackend(
  dirs: { storeFile: string; configDir: string },
  logger: Logger = silentLogger,
  embeddings?: Embeddings,
): Promise<LocalBackend> {
  const key = await loadOrCreateLocalKey(dirs.configDir);
  const keyFile = path.join(dirs.configDir, LOCAL_KEY_FILE);
  const storeKey = storeKeyFrom(key);
  convertLegacyStore(dirs.storeFile, { localKey: key, storeKey, keyFile });
  const upkeep = { onError: indexMergeFailed(logger) };
  const db = MemoryDatabase.open(dirs.storeFile, { key: storeKey, keyFile, upkeep });
  return new LocalBackend(db, key, embeddings, logger);
}
