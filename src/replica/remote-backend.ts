/**
 * The remote backend: memories in the user's Memoram account. Content is sealed with the user's
 * `encryption_key` before upload and opened after download (crypto/codec.ts); title, summary and
 * tags stay plaintext, as Memoram's server-side search needs them. Searches, counts and tag counts
 * answer from an index of one full listing (listing-index.ts), refreshed in the background, so
 * they cost no request once it is warm.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DecryptionError, keyFromHex, open, scopedFingerprint, seal } from '../crypto/codec.js';
import type { Embeddings } from '../embeddings/provider.js';
import type { Logger } from '../log/logger.js';
import type { MemoramClient } from '../memoram/client.js';
import { isMissingBlob, toDomainError, unconfirmedCreate, wroteNothing } from '../memoram/remote-errors.js';
import type { MemoryBlob, MemoryBlobResponse } from '../memoram/schemas.js';
import { MemoramError, memoryConflict, memoryNotFound } from '../memory/errors.js';
import type {
  CreateOutcome,
  Memory,
  MemoryBackend,
  MemoryFields,
  MemoryPatch,
  ScopeFilter,
  ScopeInfo,
  SearchByMeaningStatus,
  SearchPage,
  SearchParams,
  SimilarMemory,
  TagInfo,
  UpdatedMemory,
} from '../memory/types.js';
import type { MemoryDatabase } from '../store/memory-db.js';
import { VectorFill } from '../store/vector-fill.js';
import { CLAIM_RENEW_MS, claimCreate, releaseClaim, renewClaim } from './create-claims.js';
import { ListingIndex } from './listing-index.js';
import { scopeFromTags, tagsWithScope } from './scope-tag.js';
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
  /** How old the index may get before a background refresh starts. */
  refreshIntervalMs?: number | undefined;
  /** Opens the shared replica file (replica-file.ts); without it the index lives in memory. */
  openReplica?: (() => Promise<MemoryDatabase>) | undefined;
  onBackgroundError?: ((error: unknown) => void) | undefined;
  /** The server's embedding model: the replica computes its own vectors, which never go to Memoram. */
  embeddings?: Embeddings | undefined;
}

function toMeta(blob: MemoryBlobResponse): Omit<Memory, 'content'> {
  const { tags, scope } = scopeFromTags(blob.tags ?? []);
  return {
    id: blob.id,
    title: blob.title ?? '',
    summary: blob.summary ?? '',
    tags,
    scope,
    importance: blob.importance ?? null,
    confidence: blob.confidence ?? null,
    source: blob.source ?? null,
    created_at: blob.created_at,
    updated_at: blob.updated_at,
  };
}

export class RemoteBackend implements MemoryBackend {
  readonly kind = 'memoram';
  private readonly index: ListingIndex;
  /** Vectors for search by meaning, computed here from the plaintext. */
  private readonly vectors: VectorFill | undefined;
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
  /** Names this backend's claims on creates in the shared replica (create-claims.ts). */
  private readonly owner = randomUUID();

  constructor(private readonly options: RemoteBackendOptions) {
    this.credentials = options.credentials;
    this.key = keyFromHex(options.credentials.encryption_key);
    this.fingerprintKey = createHash('sha256')
      .update(`memoram-mcp content fingerprint\0${options.credentials.memory_key}`)
      .digest();
    this.index = new ListingIndex({
      open: options.openReplica,
      list: () => this.listAll(),
      fingerprint: (content, scope) => this.fingerprint(content, scope),
      refreshIntervalMs: options.refreshIntervalMs,
      onBackgroundError: options.onBackgroundError,
      onLoaded: () => this.vectors?.schedule(),
    });
    this.vectors =
      options.embeddings &&
      new VectorFill(() => this.index.openDb, options.embeddings, { logger: options.logger });
    this.vectors?.start();
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

  private async listAll(): Promise<Memory[]> {
    const listed = await this.call('memories', () =>
      this.options.client.listAllMemoryBlobs(this.credentials.user_id),
    );
    const twins = new Set(this.uncertain.twins(listed));
    for (const id of twins) await this.deleteTwin(id);
    await this.loadTagMeta();
    return this.openAll(twins.size === 0 ? listed : listed.filter((blob) => !twins.has(blob.id)));
  }

  /** Deletes a late copy of a create; one already gone is as good. */
  private async deleteTwin(id: string): Promise<void> {
    try {
      await this.options.client.deleteMemoryBlob(id, this.credentials.user_id);
      this.options.logger.info('removed a second copy of a memory left by a late create', { id });
    } catch (error) {
      if (!isMissingBlob(error)) throw this.fail(error, 'memories');
    }
  }

  /**
   * At start: fills an empty replica now; a replica filled before answers as it is, and is
   * refreshed in the background a moment later (after the first searches, with no request first).
   */
  warmUp(signal?: AbortSignal): Promise<void> {
    return this.index.refresh(signal);
  }

  /** Lists the account again now (searches refresh on their own, in the background). */
  refresh(signal?: AbortSignal): Promise<void> {
    return this.index.pull(signal);
  }

  async search(params: SearchParams, now: number, signal?: AbortSignal): Promise<SearchPage> {
    await this.index.refresh(signal);
    const query = await this.vectors?.queryVector(params.query, signal);
    return this.index.db.search(params, now, query);
  }

  searchByMeaning(): SearchByMeaningStatus | undefined {
    return this.vectors?.status();
  }

  async vectorCounts(signal?: AbortSignal): Promise<{ model: string; count: number }[]> {
    await this.index.ready();
    if (signal?.aborted) throw signal.reason;
    return this.index.db.vectorCounts();
  }

  async count(signal?: AbortSignal): Promise<number> {
    await this.index.refresh(signal);
    return this.index.db.count();
  }

  async all(signal?: AbortSignal): Promise<Memory[]> {
    await this.index.refresh(signal);
    return this.index.db.all();
  }

  fingerprint(content: string, scope: string | null): string {
    return scopedFingerprint(content, scope, this.fingerprintKey);
  }

  async get(ids: readonly string[], signal?: AbortSignal): Promise<Memory[]> {
    await this.index.ready();
    const found: MemoryBlob[] = [];
    for (const id of ids) {
      try {
        found.push(await this.options.client.getMemoryBlob(id, this.credentials.user_id, { signal }));
      } catch (error) {
        if (!isMissingBlob(error)) throw this.fail(error, `memory ${id}`);
      }
    }
    const memories = await this.openAll(found);
    for (const memory of memories) this.index.apply(memory.id, memory);
    return memories;
  }

  /**
   * Memoram has no dedup of its own: identical content is looked up in the index first, once it is
   * warm and no pull is in flight. After a failure that may hide a landed write (a timeout, an
   * outage) a pull starts, which the next create waits for, so a retry finds the landed copy. A
   * create of content whose earlier create was left open settles that one first: it looks for the
   * earlier post, and re-posts the same sealed content only when it is not there
   * (uncertain-creates.ts).
   */
  async create(fields: MemoryFields, fingerprint: string, signal?: AbortSignal): Promise<CreateOutcome> {
    await this.index.refresh(signal);
    await this.index.settled(signal);
    const existing = this.index.db.byFingerprint(fingerprint);
    if (existing) return { memory: existing, deduplicated: true, similar: [] };
    const scope = fields.scope ?? null;
    const similar = this.index.db.similarTo(fields.content, undefined, {
      names: scope === null ? [] : [scope],
      global: true,
    });
    const { db } = this.index;
    const known = this.uncertain.get(fingerprint);
    const mine = {
      owner: this.owner,
      sealed: known?.sealed ?? seal(fields.content, this.key),
      since: known?.since ?? Date.now(),
    };
    const claim = await claimCreate(db, fingerprint, mine, signal);
    if (claim.kind === 'existing') return { memory: claim.memory, deduplicated: true, similar: [] };
    const renew = setInterval(() => renewClaim(db, fingerprint, this.owner), CLAIM_RENEW_MS).unref();
    try {
      const attempt = known ?? claim.taken;
      return await this.post(fields, fingerprint, attempt ?? mine, attempt !== undefined, similar, signal);
    } finally {
      clearInterval(renew);
      releaseClaim(db, fingerprint, this.owner);
    }
  }

  private async post(
    fields: MemoryFields,
    fingerprint: string,
    { sealed, since }: { sealed: string; since: number },
    /** An earlier attempt may have landed: look for it before posting. */
    earlier: boolean,
    similar: SimilarMemory[],
    signal: AbortSignal | undefined,
  ): Promise<CreateOutcome> {
    const { client } = this.options;
    const { user_id, memory_key } = this.credentials;
    const { scope, tags, ...rest } = fields;
    const onWire = tagsWithScope(tags ?? [], scope ?? null);
    const request = {
      ...rest,
      ...(onWire.length > 0 ? { tags: onWire } : {}),
      user_id,
      memoryKey: memory_key,
      content: sealed,
    };
    let unsettled = earlier;
    let blob: MemoryBlobResponse;
    try {
      const landed = earlier && (await client.findCreatedMemoryBlob(request, since, { signal }));
      if (landed) {
        this.uncertain.remember(fingerprint, { sealed, since, id: landed.id });
        const memory = { ...toMeta(landed), content: fields.content };
        this.index.apply(memory.id, memory);
        return { memory, deduplicated: true, similar: [] };
      }
      const onUnsettled = () => {
        unsettled = true;
      };
      blob = await client.createMemoryBlob(request, { signal, since, onUnsettled });
    } catch (error) {
      if (wroteNothing(error)) throw this.fail(error, 'new memory');
      this.uncertain.remember(fingerprint, { sealed, since });
      this.index.pullInBackground();
      throw this.fail(unconfirmedCreate(error), 'new memory');
    }
    // A post that got no answer may still land: keep watching for its twin.
    if (unsettled) this.uncertain.remember(fingerprint, { sealed, since, id: blob.id });
    const memory = { ...toMeta(blob), content: fields.content };
    this.index.apply(memory.id, memory, await this.vectors?.vectorOf(memory));
    return { memory, deduplicated: false, similar };
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
    await this.index.ready();
    const { user_id, memory_key } = this.credentials;
    if (expectedUpdatedAt !== undefined) {
      const [current] = await this.get([id], signal);
      if (!current) throw memoryNotFound(id);
      if (current.updated_at !== expectedUpdatedAt) throw memoryConflict(id, current.updated_at);
    }
    const { content: plaintext, scope, tags, ...fields } = patch;
    const sealed = plaintext === undefined ? {} : { content: seal(plaintext, this.key) };
    // Memoram replaces the whole tag list: a change of either sends both, the scope as its tag.
    let onWire: { tags?: string[] } = {};
    if (scope !== undefined || tags !== undefined) {
      const known = this.index.db.get([id])[0] ?? (await this.get([id], signal))[0];
      if (!known) throw memoryNotFound(id);
      onWire = { tags: tagsWithScope(tags ?? known.tags, scope === undefined ? known.scope : scope) };
    }
    try {
      const blob = await this.options.client.updateMemoryBlob(
        id,
        { ...stripUndefined(fields), ...onWire, ...sealed, user_id, memoryKey: memory_key },
        { signal },
      );
      const updated = { ...toMeta(blob), ...(plaintext === undefined ? {} : { content: plaintext }) };
      await this.remember(updated, signal);
      return updated;
    } catch (error) {
      if (isMissingBlob(error)) throw memoryNotFound(id);
      throw this.fail(error, `memory ${id}`);
    }
  }

  /** Puts an updated memory into the index: Memoram answers a PATCH without content, so keep the known one. */
  private async remember(updated: UpdatedMemory, signal?: AbortSignal): Promise<void> {
    const known = this.index.db.get([updated.id])[0];
    const content = updated.content ?? known?.content;
    // Kept content that could not be decrypted stays marked, or it would pass for an empty memory.
    const stillUnreadable = updated.content === undefined && known?.unreadable;
    if (content === undefined) {
      await this.get([updated.id], signal).catch(() => []);
      return;
    }
    const memory = { ...updated, content, ...(stillUnreadable ? { unreadable: true as const } : {}) };
    this.index.apply(updated.id, memory, stillUnreadable ? undefined : await this.vectors?.vectorOf(memory));
  }

  async delete(id: string, signal?: AbortSignal): Promise<boolean> {
    await this.index.ready();
    try {
      await this.options.client.deleteMemoryBlob(id, this.credentials.user_id, { signal });
      this.index.apply(id, null);
      return true;
    } catch (error) {
      // A 404 on a retry means an earlier attempt whose answer was lost did the delete.
      if (isMissingBlob(error)) {
        this.index.apply(id, null);
        return error.afterRetry;
      }
      throw this.fail(error, `memory ${id}`);
    }
  }

  /** Tags in use, counted in the replica, with the descriptions and colours Memoram keeps. */
  async listTags(scopes: ScopeFilter | undefined, signal?: AbortSignal): Promise<TagInfo[]> {
    await this.index.refresh(signal);
    return this.index.db.tagCounts(scopes);
  }

  async listScopes(signal?: AbortSignal): Promise<ScopeInfo[]> {
    await this.index.refresh(signal);
    return this.index.db.scopeCounts();
  }

  /** Tag descriptions and colours, kept in the replica with each refresh. */
  private async loadTagMeta(): Promise<void> {
    const { items } = await this.call('tags', () => this.options.client.listTags(this.credentials.user_id));
    this.index.db.setTagMeta(
      items.map((tag) => ({
        name: tag.name,
        ...(tag.description ? { description: tag.description } : {}),
        ...(tag.color ? { color: tag.color } : {}),
      })),
    );
  }

  /** The client belongs to the connection, which outlives any one backend. */
  async close(): Promise<void> {
    this.vectors?.close();
    await this.vectors?.idle();
    this.index.close();
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function isAccessLost(error: unknown): boolean {
  return error instanceof MemoramError && error.code === 'ACCESS_REVOKED';
}
