/**
 * The local backend: memories in the SQLite store under one fixed user, content sealed with the
 * local key. It syncs eagerly: asking it what changed costs one indexed query, which lets several
 * server processes share one file and still see each other's writes. Its own writes are not read
 * back: the service indexed them as they were made.
 */
import { DecryptionError, fingerprint, open, seal } from '../crypto/codec.js';
import { loadOrCreateLocalKey } from '../crypto/local-key.js';
import { memoryConflict, memoryNotFound } from '../memory/errors.js';
import type {
  LegacyCreateOutcome,
  LegacyMemoryBackend,
  Memory,
  MemoryFields,
  MemoryPatch,
  SyncResult,
  TagMeta,
} from '../memory/types.js';
import { MemoryStore } from './memory-store.js';
import type { BlobRow } from './types.js';

export const LOCAL_USER_ID = 'local';

export class LocalBackend implements LegacyMemoryBackend {
  readonly kind = 'local';
  readonly syncMode = 'eager';

  /**
   * Writes made through this backend since the last sync. Each write, from any process, moves the
   * store's revision on by exactly one, so when the revision moved by this many, every change is
   * one of these, which the service that made them has indexed already. That holds while one
   * MemoryService uses the backend, as openConnection builds them: a second one's writes would be
   * skipped by the first.
   */
  private ownWrites = 0;

  constructor(
    private readonly store: MemoryStore,
    private readonly key: Buffer,
  ) {}

  /** The memory a row holds; `plaintext` when the caller just sealed it, saving the decryption. */
  private toMemory(blob: BlobRow, plaintext?: string): Memory {
    const { user_id: _user, tag_ids: _tagIds, content, ...rest } = blob;
    if (plaintext !== undefined) return { ...rest, content: plaintext };
    try {
      return { ...rest, content: open(content, this.key) };
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      return { ...rest, content: '', unreadable: true };
    }
  }

  async sync(token: string | undefined): Promise<SyncResult> {
    const since = token === undefined ? 0 : Number(token);
    const ownWrites = this.ownWrites;
    this.ownWrites = 0;
    // From revision 0 the answer is a full load, which the service starts over from.
    if (since > 0) {
      const revision = this.store.revision();
      if (revision - since === ownWrites) {
        return { upserts: [], deleted: [], token: String(revision), full: false };
      }
    }
    const changes = this.store.changesSince(LOCAL_USER_ID, since);
    return {
      upserts: changes.blobs.map((blob) => this.toMemory(blob)),
      deleted: changes.deleted,
      token: String(changes.rev),
      full: since === 0,
    };
  }

  fingerprint(content: string): string {
    return fingerprint(content, this.key);
  }

  async get(ids: readonly string[]): Promise<Memory[]> {
    return ids.flatMap((id) => {
      const blob = this.store.getBlob(LOCAL_USER_ID, id);
      return blob ? [this.toMemory(blob)] : [];
    });
  }

  async create(fields: MemoryFields, contentFingerprint: string): Promise<LegacyCreateOutcome> {
    const { blob, existing } = this.store.createBlob(LOCAL_USER_ID, {
      ...fields,
      content: seal(fields.content, this.key),
      fingerprint: contentFingerprint,
    });
    if (!existing) this.ownWrites++;
    return { memory: this.toMemory(blob, existing ? undefined : fields.content), deduplicated: existing };
  }

  async update(id: string, patch: MemoryPatch, expectedUpdatedAt?: string): Promise<Memory> {
    const sealed =
      patch.content === undefined
        ? {}
        : { content: seal(patch.content, this.key), fingerprint: this.fingerprint(patch.content) };
    const outcome = this.store.updateBlob(LOCAL_USER_ID, id, { ...patch, ...sealed }, expectedUpdatedAt);
    if (outcome.status === 'not_found') throw memoryNotFound(id);
    if (outcome.status === 'conflict') throw memoryConflict(id, outcome.current_updated_at);
    this.ownWrites++;
    return this.toMemory(outcome.blob);
  }

  async delete(id: string): Promise<boolean> {
    const deleted = this.store.deleteBlob(LOCAL_USER_ID, id);
    if (deleted) this.ownWrites++;
    return deleted;
  }

  async listTags(): Promise<TagMeta[]> {
    return this.store
      .listTags(LOCAL_USER_ID)
      .map(({ name, description, color }) => ({ name, ...(description ? { description } : {}), color }));
  }

  async close(): Promise<void> {
    this.store.close();
  }
}

/** Opens the local store and key under the configured directories. */
export async function openLocalBackend(dirs: {
  storeFile: string;
  configDir: string;
}): Promise<LocalBackend> {
  const key = await loadOrCreateLocalKey(dirs.configDir);
  return new LocalBackend(MemoryStore.open(dirs.storeFile), key);
}
