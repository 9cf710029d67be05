/**
 * MemoryService: the one place that decides what a memory operation means, whatever the backend.
 * It enforces the limits, applies defaults, normalises tags and text, shares identical creates
 * in flight, and tells listeners what changed. Search, tag counts and duplicate detection belong
 * to the backend, which owns the index they run on.
 */
import { untilAborted } from '../async/until-aborted.js';
import { MemoramError } from './errors.js';
import {
  DEFAULT_CONFIDENCE,
  DEFAULT_IMPORTANCE,
  LIMITS,
  MemoryFieldsSchema,
  normalizeTags,
  wellFormed,
} from './limits.js';
import { scopeFilter } from './scopes.js';
import type {
  Memory,
  MemoryBackend,
  MemoryFields,
  MemoryMeta,
  MemoryPatch,
  NewMemory,
  ScopeInfo,
  SearchByMeaningStatus,
  SearchPage,
  SearchParams,
  SimilarMemory,
  TagInfo,
} from './types.js';

export type { MemorySummary, ScopeInfo, SearchParams } from './types.js';

/**
 * Whose memories a caller sees: `scope` is a scope's name, "global" (memories of no scope) or "*"
 * (every scope); without it, the `current` scope's memories and global ones (with no current
 * scope, global ones only). The MCP server's current scope is per client (mcp/current-scope.ts).
 */
export interface ScopeRequest {
  scope?: string | undefined;
  current?: string | null | undefined;
}

export interface SearchRequest extends Omit<SearchParams, 'scopes'>, ScopeRequest {}

export interface CreateResult {
  memory: MemoryMeta;
  deduplicated: boolean;
  similar: SimilarMemory[];
}

/** What an import did: entries created, already present, or rejected (by index, with why). */
export interface ImportReport {
  created: number;
  deduplicated: number;
  failed: { index: number; reason: string }[];
  /** What went wrong after every memory was written (the index compaction). */
  warnings: string[];
}

export type ChangeEvent = { type: 'created' | 'updated' | 'deleted'; ids: string[] };

export interface MemoryServiceOptions {
  onBackgroundError?: (error: unknown) => void;
  now?: () => number;
}

/** Creates a batched import writes per transaction. */
const IMPORT_BATCH = 1000;

export function withoutContent(memory: Memory): MemoryMeta {
  const { content: _content, ...meta } = memory;
  return meta;
}

export class MemoryService {
  private readonly listeners = new Set<(event: ChangeEvent) => void>();
  /** Creates in flight, by content fingerprint. */
  private readonly creating = new Map<string, Promise<CreateResult>>();
  private readonly now: () => number;

  constructor(
    readonly backend: MemoryBackend,
    options: MemoryServiceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  onChange(listener: (event: ChangeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(event: ChangeEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Brings what searches answer from up to date where the backend needs that (Memoram). */
  async refresh(signal?: AbortSignal): Promise<void> {
    await this.backend.refresh?.(signal);
  }

  async search(request: SearchRequest, signal?: AbortSignal): Promise<SearchPage> {
    const { scope, current, ...params } = request;
    const query = params.query === undefined ? undefined : params.query.slice(0, LIMITS.queryChars);
    const scopes = scopeFilter(scope, current ?? null);
    return this.backend.search({ ...params, query, scopes }, this.now(), signal);
  }

  /** The most recently updated memories the request sees, without content. */
  async recent(limit: number, request: ScopeRequest = {}, signal?: AbortSignal): Promise<MemoryMeta[]> {
    const scopes = scopeFilter(request.scope, request.current ?? null);
    const { memories } = await this.backend.search({ limit, scopes }, this.now(), signal);
    return memories.map(({ snippet: _snippet, score: _score, ...meta }) => meta);
  }

  /** Every memory with its content, oldest first: for export, never for a model's context. */
  async all(signal?: AbortSignal): Promise<Memory[]> {
    return this.backend.all(signal);
  }

  async count(signal?: AbortSignal): Promise<number> {
    return this.backend.count(signal);
  }

  async read(
    ids: readonly string[],
    signal?: AbortSignal,
  ): Promise<{ memories: Memory[]; not_found: string[] }> {
    const unique = [...new Set(ids)];
    const memories = await this.backend.get(unique, signal);
    const found = new Set(memories.map((memory) => memory.id));
    return { memories, not_found: unique.filter((id) => !found.has(id)) };
  }

  /** The fields as stored: well-formed text, normalised tags, defaults applied. */
  private prepare(given: MemoryFields): MemoryFields {
    const fields = wellFormed(given);
    return {
      ...fields,
      tags: normalizeTags(fields.tags),
      importance: fields.importance ?? DEFAULT_IMPORTANCE,
      confidence: fields.confidence ?? DEFAULT_CONFIDENCE,
      scope: fields.scope ?? null,
    };
  }

  /**
   * Saves a memory, or returns the one with identical content. Identical creates in flight at
   * once share one write. A caller that cancels stops waiting, but the write itself is not cut
   * off: it finishes, and a retry finds it as a duplicate instead of storing a second copy.
   */
  async create(given: MemoryFields, signal?: AbortSignal): Promise<CreateResult> {
    const fields = this.prepare(given);
    const fingerprint = this.backend.fingerprint(fields.content, fields.scope ?? null);
    const inFlight = this.creating.get(fingerprint);
    if (inFlight)
      await untilAborted(
        inFlight.catch(() => undefined),
        signal,
      );
    const attempt = this.write(fields, fingerprint);
    this.creating.set(fingerprint, attempt);
    attempt
      .catch(() => {})
      .finally(() => {
        if (this.creating.get(fingerprint) === attempt) this.creating.delete(fingerprint);
      });
    return untilAborted(attempt, signal);
  }

  private async write(fields: MemoryFields, fingerprint: string): Promise<CreateResult> {
    const outcome = await this.backend.create(fields, fingerprint);
    if (!outcome.deduplicated) this.emit({ type: 'created', ids: [outcome.memory.id] });
    return {
      memory: withoutContent(outcome.memory),
      deduplicated: outcome.deduplicated,
      similar: outcome.deduplicated ? [] : outcome.similar,
    };
  }

  /**
   * Creates many memories (import): each entry checked against the limits, written in batches
   * where the backend can batch. Invalid entries are reported by index, not written.
   */
  async importMany(entries: readonly unknown[]): Promise<ImportReport> {
    const report: ImportReport = { created: 0, deduplicated: 0, failed: [], warnings: [] };
    let batch: NewMemory[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const outcomes = this.backend.createMany
        ? await this.backend.createMany(batch)
        : await sequential(batch, (entry) => this.backend.create(entry.fields, entry.fingerprint));
      const created = outcomes.filter((outcome) => !outcome.deduplicated).map((outcome) => outcome.memory.id);
      report.created += created.length;
      report.deduplicated += outcomes.length - created.length;
      if (created.length > 0) this.emit({ type: 'created', ids: created });
      batch = [];
    };
    for (const [index, entry] of entries.entries()) {
      const parsed = MemoryFieldsSchema.safeParse(entry);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const found = entry === null ? 'null' : Array.isArray(entry) ? 'a list' : `a ${typeof entry}`;
        report.failed.push({
          index,
          reason:
            typeof entry === 'object' && entry !== null && !Array.isArray(entry)
              ? `${issue?.path.join('.') || 'entry'}: ${issue?.message ?? 'invalid'}`
              : `not a memory: expected an object with at least "content", found ${found}`,
        });
        continue;
      }
      const fields = this.prepare(parsed.data as MemoryFields);
      batch.push({ fields, fingerprint: this.backend.fingerprint(fields.content, fields.scope ?? null) });
      if (batch.length >= IMPORT_BATCH) await flush();
    }
    await flush();
    if (report.created > 0) {
      // Every memory is written by now: an index left uncompacted only makes searches slower.
      await this.backend.compact?.(report.created).catch((error: unknown) => {
        report.warnings.push(
          `the search index was not compacted (${error instanceof Error ? error.message : String(error)}); searches stay correct`,
        );
      });
    }
    return report;
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
        hint: 'Pass at least one of content, title, summary, tags, importance, confidence, source or scope.',
      });
    }
    const tags = patch.tags === undefined ? undefined : normalizeTags(patch.tags);
    const updated = await this.backend.update(id, { ...patch, tags }, expectedUpdatedAt, signal);
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
      if (await this.backend.delete(id, signal)) deleted.push(id);
      else notFound.push(id);
    }
    if (deleted.length > 0) this.emit({ type: 'deleted', ids: deleted });
    return { deleted, not_found: notFound };
  }

  /** Tags in use by the memories the request sees, most used first, with descriptions and colours. */
  async listTags(request: ScopeRequest = {}, signal?: AbortSignal): Promise<TagInfo[]> {
    return this.backend.listTags(scopeFilter(request.scope, request.current ?? null), signal);
  }

  /** Search by meaning's state (the model, the vectors filled in); undefined without a model. */
  searchByMeaning(): SearchByMeaningStatus | undefined {
    return this.backend.searchByMeaning?.();
  }

  async vectorCounts(signal?: AbortSignal): Promise<{ model: string; count: number }[]> {
    return (await this.backend.vectorCounts?.(signal)) ?? [];
  }

  /** The scopes in use with their memory counts (global, as name null, first). */
  async listScopes(signal?: AbortSignal): Promise<ScopeInfo[]> {
    return this.backend.listScopes(signal);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.backend.close();
  }
}

async function sequential<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (const item of items) results.push(await work(item));
  return results;
}
