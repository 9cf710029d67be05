/**
 * The remote backend: memories in the user's Memoram account. Content is sealed with the user's
 * `encryption_key` before upload and opened after download (crypto/codec.ts); title, summary and
 * tags stay plaintext, as Memoram's server-side search needs them. It syncs in the background: one
 * full listing warms the service's index, so searches cost no request. A create Memoram left
 * without an answer never ends as two blobs (uncertain-creates.ts).
 */
import { createHash } from 'node:crypto';
import { DecryptionError, fingerprint, keyFromHex, open, seal } from '../crypto/codec.js';
import type { Logger } from '../log/logger.js';
import type { MemoramClient } from '../memoram/client.js';
import type { MemoryBlob, MemoryBlobResponse } from '../memoram/schemas.js';
import { MemoramError, memoryConflict, memoryNotFound } from '../memory/errors.js';
import type {
  LegacyCreateOutcome,
  LegacyMemoryBackend,
  Memory,
  MemoryFields,
  MemoryPatch,
  SyncResult,
  TagMeta,
  UpdatedMemory,
} from '../memory/types.js';
import { isMissingBlob, toDomainError, unconfirmedCreate, wroteNothing } from './remote-errors.js';
import { UncertainCreates } from './uncertain-creates.js';

export interface RemoteCredentials {
  user_id: string;
  memory_key: string;
  encryption_key: string;
  key_version: number;
}

export interface RemoteBackendOptions {
  client: MemoramClient;
  credentials: RemoteCredentials;
  /** Fetches the credentials again (the key may have rotated); called at most once per failure burst. */
  refreshCredentials: () => Promise<RemoteCredentials>;
  /** Told when Memoram refuses access (403): the request may have been revoked. */
  onAccessLost?: () => void;
  logger: Logger;
}

function toMeta(blob: MemoryBlobResponse): Omit<Memory, 'content'> {
  return {
    id: blob.id,
    title: blob.title ?? '',
    summary: blob.summary ?? '',
    tags: blob.tags ?? [],
    importance: blob.importance ?? null,
    confidence: blob.confidence ?? null,
    source: blob.source ?? null,
    created_at: blob.created_at,
    updated_at: blob.updated_at,
  };
}

export class RemoteBackend implements LegacyMemoryBackend {
  readonly kind = 'memoram';
  readonly syncMode = 'background';
  private credentials: RemoteCredentials;
  private key: Buffer;
  /**
   * Keys this backend held before a rotation, newest first. Memoram does not say whether a
   * rotation re-encrypts stored blobs (the emulator leaves them as they are), so blobs sealed
   * under an earlier key would otherwise turn unreadable on the next listing, although this
   * process still has the key that opens them. In memory only: a restart keeps just the newest.
   */
  private readonly earlierKeys: Buffer[] = [];

  /**
   * Keyed by the memory key, which a rotation of the encryption key leaves alone: fingerprints
   * computed before and after a rotation still match, so identical content is still found.
   */
  private readonly fingerprintKey: Buffer;
  /** Blobs that stayed unreadable after the last re-fetch: they alone do not warrant another. */
  private knownUnreadable = new Set<string>();
  /** Creates whose outcome Memoram left open, so none of them ends as two blobs. */
  private readonly uncertain = new UncertainCreates();

  constructor(private readonly options: RemoteBackendOptions) {
    this.credentials = options.credentials;
    this.key = keyFromHex(options.credentials.encryption_key);
    this.fingerprintKey = createHash('sha256')
      .update(`memoram-mcp content fingerprint\0${options.credentials.memory_key}`)
      .digest();
  }

  get keyVersion(): number {
    return this.credentials.key_version;
  }

  private async call<T>(what: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.fail(error, what);
    }
  }

  private fail(error: unknown, what: string): unknown {
    const mapped = toDomainError(error, what);
    if (isAccessLost(mapped)) this.options.onAccessLost?.();
    return mapped;
  }

  /** Opens every blob, re-fetching the credentials once if any fails (the key may have rotated). */
  private async openAll(blobs: readonly MemoryBlob[]): Promise<Memory[]> {
    const first = blobs.map((blob) => this.tryOpen(blob));
    // Re-fetch the credentials only for a blob not already found unreadable after a re-fetch: a
    // blob no key opens would otherwise cost a credentials request on every background refresh.
    if (first.every((memory) => !memory.unreadable || this.knownUnreadable.has(memory.id))) return first;
    const before = this.key;
    await this.reloadCredentials();
    // The same key again cannot open more than it already did.
    const second = this.key.equals(before)
      ? first
      : blobs.map((blob, at) => (first[at]!.unreadable ? this.tryOpen(blob) : first[at]!));
    for (const memory of second) if (memory.unreadable) this.knownUnreadable.add(memory.id);
    return second;
  }

  private tryOpen(blob: MemoryBlob): Memory {
    for (const key of [this.key, ...this.earlierKeys]) {
      try {
        return { ...toMeta(blob), content: open(blob.content, key) };
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
      }
    }
    return { ...toMeta(blob), content: '', unreadable: true };
  }

  private async reloadCredentials(): Promise<void> {
    try {
      const next = await this.options.refreshCredentials();
      const key = keyFromHex(next.encryption_key);
      if (!key.equals(this.key)) this.earlierKeys.unshift(this.key);
      this.key = key;
      this.credentials = next;
    } catch (error) {
      this.options.logger.warn('could not re-fetch Memoram credentials after a decryption failure', {
        error,
      });
    }
  }

  async sync(_token: string | undefined, signal?: AbortSignal): Promise<SyncResult> {
    const listed = await this.call('memories', () =>
      this.options.client.listAllMemoryBlobs(this.credentials.user_id, { signal }),
    );
    const twins = new Set(this.uncertain.twins(listed));
    for (const id of twins) await this.deleteTwin(id, signal);
    const blobs = twins.size === 0 ? listed : listed.filter((blob) => !twins.has(blob.id));
    const upserts = await this.openAll(blobs);
    return { upserts, deleted: [], token: String(Date.now()), full: true };
  }

  fingerprint(content: string): string {
    return fingerprint(content, this.fingerprintKey);
  }

  async get(ids: readonly string[], signal?: AbortSignal): Promise<Memory[]> {
    const found: MemoryBlob[] = [];
    for (const id of ids) {
      try {
        found.push(await this.options.client.getMemoryBlob(id, this.credentials.user_id, { signal }));
      } catch (error) {
        if (!isMissingBlob(error)) throw this.fail(error, `memory ${id}`);
      }
    }
    return this.openAll(found);
  }

  /**
   * Identical content was already caught by the service's index; Memoram has no dedup of its own.
   * A create of content whose earlier create was left open settles that one first: it looks for
   * the earlier post, and re-posts the same sealed content only when it is not there.
   */
  async create(
    fields: MemoryFields,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<LegacyCreateOutcome> {
    const { client } = this.options;
    const earlier = this.uncertain.get(fingerprint);
    const sealed = earlier?.sealed ?? seal(fields.content, this.key);
    const since = earlier?.since ?? Date.now();
    const body = { ...fields, user_id: this.credentials.user_id, memoryKey: this.credentials.memory_key };
    const request = { ...body, content: sealed };
    let unsettled = earlier !== undefined;
    try {
      const landed = earlier && (await client.findCreatedMemoryBlob(request, since, { signal }));
      if (landed) {
        this.uncertain.remember(fingerprint, { sealed, since, id: landed.id });
        return { memory: { ...toMeta(landed), content: fields.content }, deduplicated: true };
      }
      const onUnsettled = () => {
        unsettled = true;
      };
      const blob = await client.createMemoryBlob(request, { signal, since, onUnsettled });
      // A post that got no answer may still land: keep watching for its twin.
      if (unsettled) this.uncertain.remember(fingerprint, { sealed, since, id: blob.id });
      return { memory: { ...toMeta(blob), content: fields.content }, deduplicated: false };
    } catch (error) {
      if (wroteNothing(error)) throw this.fail(error, 'new memory');
      this.uncertain.remember(fingerprint, { sealed, since });
      throw this.fail(unconfirmedCreate(error), 'new memory');
    }
  }

  /** Deletes a late copy of a create; one already gone is as good. */
  private async deleteTwin(id: string, signal: AbortSignal | undefined): Promise<void> {
    try {
      await this.options.client.deleteMemoryBlob(id, this.credentials.user_id, { signal });
      this.options.logger.info('removed a second copy of a memory left by a late create', { id });
    } catch (error) {
      if (!isMissingBlob(error)) throw this.fail(error, 'memories');
    }
  }

  /**
   * Memoram has no conditional update: with `expectedUpdatedAt` the blob is read first and the
   * PATCH sent only if it still matches (a narrow window remains between the two requests).
   */
  async update(
    id: string,
    patch: MemoryPatch,
    expectedUpdatedAt?: string,
    signal?: AbortSignal,
  ): Promise<UpdatedMemory> {
    const { user_id, memory_key } = this.credentials;
    if (expectedUpdatedAt !== undefined) {
      const [current] = await this.get([id], signal);
      if (!current) throw memoryNotFound(id);
      if (current.updated_at !== expectedUpdatedAt) throw memoryConflict(id, current.updated_at);
    }
    const { content: plaintext, ...fields } = patch;
    const sealed = plaintext === undefined ? {} : { content: seal(plaintext, this.key) };
    try {
      const blob = await this.options.client.updateMemoryBlob(
        id,
        { ...stripUndefined(fields), ...sealed, user_id, memoryKey: memory_key },
        { signal },
      );
      return { ...toMeta(blob), ...(plaintext === undefined ? {} : { content: plaintext }) };
    } catch (error) {
      if (isMissingBlob(error)) throw memoryNotFound(id);
      throw this.fail(error, `memory ${id}`);
    }
  }

  async delete(id: string, signal?: AbortSignal): Promise<boolean> {
    try {
      await this.options.client.deleteMemoryBlob(id, this.credentials.user_id, { signal });
      return true;
    } catch (error) {
      // A 404 on a retry means an earlier attempt whose answer was lost did the delete.
      if (isMissingBlob(error)) return error.afterRetry;
      throw this.fail(error, `memory ${id}`);
    }
  }

  async listTags(signal?: AbortSignal): Promise<TagMeta[]> {
    const { items } = await this.call('tags', () =>
      this.options.client.listTags(this.credentials.user_id, { signal }),
    );
    return items.map((tag) => ({
      name: tag.name,
      ...(tag.description ? { description: tag.description } : {}),
      ...(tag.color ? { color: tag.color } : {}),
    }));
  }

  /** The client belongs to the connection, which outlives any one backend. */
  async close(): Promise<void> {}
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function isAccessLost(error: unknown): boolean {
  return error instanceof MemoramError && error.code === 'ACCESS_REVOKED';
}
