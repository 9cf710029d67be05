/**
 * MemoryService: the one place that decides what a memory operation means, whatever the backend.
 * It keeps the search index current (eagerly for the local store, in the background for
 * Memoram), enforces the limits, finds duplicates, and tells listeners what changed.
 */
import { setImmediate } from 'node:timers/promises';
import { untilAborted } from '../async/until-aborted.js';
import { snippet } from '../store/snippet.js';
import { MemoramError } from './errors.js';
import { DEFAULT_CONFIDENCE, DEFAULT_IMPORTANCE, normalizeTags, wellFormed } from './limits.js';
import { decodeSearchCursor, encodeSearchCursor, searchKey } from './search-cursor.js';
import { type SearchFilters, SearchIndex } from './search-index.js';
import type { LegacyMemoryBackend, Memory, MemoryFields, MemoryMeta, MemoryPatch, TagInfo } from './types.js';

export interface SearchParams extends SearchFilters {
  query?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface MemorySummary extends MemoryMeta {
  snippet: string;
  score: number | null;
}

export interface CreateResult {
  memory: MemoryMeta;
  deduplicated: boolean;
  similar: { id: string; title: string }[];
}

/** How many memories a pull indexes between two turns of the event loop. */
const PULL_BATCH = 500;

export type ChangeEvent = { type: 'created' | 'updated' | 'deleted'; ids: string[] };

export interface MemoryServiceOptions {
  /** How old the index of a background-synced backend may get before a refresh starts. */
  refreshIntervalMs?: number;
  onBackgroundError?: (error: unknown) => void;
  now?: () => number;
}

export function withoutContent(memory: Memory): MemoryMeta {
  const { content: _content, ...meta } = memory;
  return meta;
}

export class MemoryService {
  private readonly index: SearchIndex;
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  private token: string | undefined;
  private warmed = false;
  private lastSync = 0;
  private pulling: Promise<void> | undefined;
  /** Writes made while a full refresh is in flight, re-applied over its (older) snapshot. */
  private writesDuringPull: Map<string, Memory | null> | undefined;
  /** Creates in flight, by content fingerprint. */
  private readonly creating = new Map<string, Promise<CreateResult>>();
  private readonly refreshIntervalMs: number;
  private readonly now: () => number;

  constructor(
    readonly backend: LegacyMemoryBackend,
    private readonly options: MemoryServiceOptions = {},
  ) {
    this.index = new SearchIndex((content) => backend.fingerprint(content));
    this.refreshIntervalMs = options.refreshIntervalMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /**
   * Brings the index up to date as the backend's sync mode allows. Concurrent callers (an MCP
   * client sends tool calls in parallel) share one pull, eager or not: pulls must not overlap, as
   * each owns writesDuringPull while it runs.
   */
  async refresh(signal?: AbortSignal): Promise<void> {
    if (this.backend.syncMode === 'eager') return this.pullOnce(signal);
    if (!this.warmed) return this.pullOnce(signal);
    if (this.now() - this.lastSync > this.refreshIntervalMs && !this.pulling) {
      this.pullOnce().catch((error) => this.options.onBackgroundError?.(error));
    }
  }

  /**
   * Shares one in-flight pull between concurrent callers. The pull takes no caller's signal: one
   * caller cancelling must not fail the others waiting for it (nor hold them up, had the pull been
   * started by the background warm-up); each caller stops waiting when its own signal aborts, and
   * the pull goes on to warm the index.
   */
  private pullOnce(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.pulling ??= this.pull().finally(() => {
      this.pulling = undefined;
    });
    return untilAborted(this.pulling, signal);
  }

  private async pull(signal?: AbortSignal): Promise<void> {
    this.writesDuringPull = new Map();
    try {
      const result = await this.backend.sync(this.token, signal);
      if (result.full) this.index.clear();
      for (const id of result.deleted) this.index.remove(id);
      for (const [at, memory] of result.upserts.entries()) {
        this.index.upsert(memory);
        // A first load of thousands lets other calls in between: writes made meanwhile are re-applied below.
        if ((at + 1) % PULL_BATCH === 0) await setImmediate();
      }
      for (const [id, memory] of this.writesDuringPull) {
        if (memory) this.index.upsert(memory);
        else this.index.remove(id);
      }
      this.token = result.token;
      this.lastSync = this.now();
      this.warmed = true;
    } finally {
      this.writesDuringPull = undefined;
    }
  }

  private applyWrite(id: string, memory: Memory | null): void {
    if (memory) this.index.upsert(memory);
    else this.index.remove(id);
    this.writesDuringPull?.set(id, memory);
  }

  async search(
    params: SearchParams,
    signal?: AbortSignal,
  ): Promise<{ memories: MemorySummary[]; next_cursor: string | null }> {
    await this.refresh(signal);
    const limit = params.limit ?? 10;
    const query = params.query ?? '';
    const key = searchKey(params);
    const offset = params.cursor ? decodeSearchCursor(params.cursor, key) : 0;
    const { ranked, total } = this.index.search(query, params, this.now(), offset + limit);
    const page = ranked.slice(offset, offset + limit);
    return {
      memories: page.map(({ memory, score, terms }) => ({
        ...withoutContent(memory),
        snippet: memory.unreadable ? '' : snippet(memory.content, terms),
        score,
      })),
      next_cursor: offset + limit < total ? encodeSearchCursor(offset + limit, key) : null,
    };
  }

  /** The most recently updated memories, without content. */
  async recent(limit: number, signal?: AbortSignal): Promise<MemoryMeta[]> {
    await this.refresh(signal);
    return this.index.search('', {}, this.now(), limit).ranked.map(({ memory }) => withoutContent(memory));
  }

  /** Every memory with its content, oldest first: for export, never for a model's context. */
  async all(signal?: AbortSignal): Promise<Memory[]> {
    await this.refresh(signal);
    return [...this.index.all()].sort(
      (a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id),
    );
  }

  async count(signal?: AbortSignal): Promise<number> {
    await this.refresh(signal);
    return this.index.size;
  }

  async read(
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ memories: Memory[]; not_found: string[] }> {
    const unique = [...new Set(ids)];
    const memories = await this.backend.get(unique, signal);
    for (const memory of memories) this.index.upsert(memory);
    const found = new Set(memories.map((memory) => memory.id));
    return { memories, not_found: unique.filter((id) => !found.has(id)) };
  }

  /**
   * Saves a memory, or returns the one with identical content. Identical creates in flight at
   * once share one write. A caller that cancels stops waiting, but the write itself is not cut
   * off: a create cut off mid-request may land unseen, and the caller's retry would then store a
   * second copy; instead it finishes, is indexed, and the retry finds it. After a create fails in
   * a way that may still have landed (a timeout, an outage) a pull starts, which the next create
   * waits for, for the same reason.
   */
  async create(given: MemoryFields, signal?: AbortSignal): Promise<CreateResult> {
    const fields = wellFormed(given);
    await this.refresh(signal);
    const background = this.backend.syncMode === 'background';
    if (background && this.pulling)
      await untilAborted(
        this.pulling.catch(() => {}),
        signal,
      );
    const fingerprint = this.backend.fingerprint(fields.content);
    const inFlight = this.creating.get(fingerprint);
    if (inFlight)
      await untilAborted(
        inFlight.catch(() => undefined),
        signal,
      );
    const existingId = this.index.idForFingerprint(fingerprint);
    const existing = existingId ? this.index.get(existingId) : undefined;
    if (existing) return { memory: withoutContent(existing), deduplicated: true, similar: [] };

    const attempt = this.write(fields, fingerprint);
    this.creating.set(fingerprint, attempt);
    attempt
      .then(undefined, (error: unknown) => {
        if (background && mightHaveLanded(error)) {
          this.pullOnce().catch((failure) => this.options.onBackgroundError?.(failure));
        }
      })
      .finally(() => {
        if (this.creating.get(fingerprint) === attempt) this.creating.delete(fingerprint);
      });
    return untilAborted(attempt, signal);
  }

  private async write(fields: MemoryFields, fingerprint: string): Promise<CreateResult> {
    const similar = this.index.similarTo(fields.content).map(({ id, title }) => ({ id, title }));
    const outcome = await this.backend.create(
      {
        ...fields,
        tags: normalizeTags(fields.tags),
        importance: fields.importance ?? DEFAULT_IMPORTANCE,
        confidence: fields.confidence ?? DEFAULT_CONFIDENCE,
      },
      fingerprint,
    );
    this.applyWrite(outcome.memory.id, outcome.memory);
    if (!outcome.deduplicated) this.emit({ type: 'created', ids: [outcome.memory.id] });
    return {
      memory: withoutContent(outcome.memory),
      deduplicated: outcome.deduplicated,
      similar: outcome.deduplicated ? [] : similar,
    };
  }

  async update(
    id: string,
    given: MemoryPatch,
    expectedUpdatedAt?: string,
    signal?: AbortSignal,
  ): Promise<MemoryMeta> {
    const patch = wellFormed(given);
    if (Object.values(patch).every((value) => value === undefined)) {
      throw new MemoramError('INVALID_INPUT', 'Nothing to update.', {
        hint: 'Pass at least one of content, title, summary, tags, importance, confidence or source.',
      });
    }
    const tags = patch.tags === undefined ? undefined : normalizeTags(patch.tags);
    const updated = await this.backend.update(id, { ...patch, tags }, expectedUpdatedAt, signal);
    // Memoram answers a PATCH without content: keep what the index has, or fetch it.
    const known = this.index.get(id);
    const content = updated.content ?? known?.content;
    // Kept content that could not be decrypted stays marked, or it would pass for an empty memory.
    const stillUnreadable = updated.content === undefined && known?.unreadable;
    const memory =
      content === undefined
        ? (await this.backend.get([id], signal))[0]
        : { ...updated, content, ...(stillUnreadable ? { unreadable: true as const } : {}) };
    if (memory) this.applyWrite(id, memory);
    this.emit({ type: 'updated', ids: [id] });
    const { content: _content, ...meta } = updated;
    return meta;
  }

  async delete(
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ deleted: string[]; not_found: string[] }> {
    const deleted: string[] = [];
    const notFound: string[] = [];
    for (const id of new Set(ids)) {
      if (await this.backend.delete(id, signal)) {
        deleted.push(id);
        this.applyWrite(id, null);
      } else {
        notFound.push(id);
        this.index.remove(id);
      }
    }
    if (deleted.length > 0) this.emit({ type: 'deleted', ids: deleted });
    return { deleted, not_found: notFound };
  }

  /** Tags in use, most used first: counts from the index, descriptions and colours from the backend. */
  async listTags(signal?: AbortSignal): Promise<TagInfo[]> {
    const [meta] = await Promise.all([this.backend.listTags(signal), this.refresh(signal)]);
    const byName = new Map(meta.map((tag) => [tag.name, tag]));
    return [...this.index.tagCounts()]
      .map(([name, count]) => ({ ...byName.get(name), name, count }))
      .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.backend.close();
  }
}

/** A refusal (invalid, forbidden…) wrote nothing; a timeout, a cancel or an outage may have. */
function mightHaveLanded(error: unknown): boolean {
  return !(error instanceof MemoramError) || error.code === 'UPSTREAM_UNAVAILABLE';
}
