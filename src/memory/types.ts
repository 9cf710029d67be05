/**
 * The domain's view of a memory and the MemoryBackend interface: what the MemoryService needs from
 * wherever memories live (the local SQLite store, or Memoram). Backends hand out decrypted
 * memories; keys, ciphertext and wire formats stay behind this line.
 */
import type { EmbeddingsStatus } from '../embeddings/provider.js';

/** The embedding model's state and, once it is ready, the memories with a vector of it. */
export type SearchByMeaningStatus = EmbeddingsStatus & {
  vectors?: { embedded: number; total: number; filling: boolean };
};

export interface Memory {
  id: string;
  title: string;
  summary: string;
  /** Decrypted content; empty when `unreadable`. */
  content: string;
  tags: string[];
  importance: number | null;
  confidence: number | null;
  source: string | null;
  /** The scope (a project, an agent) the memory belongs to; null for a global memory. */
  scope: string | null;
  created_at: string;
  updated_at: string;
  /** Set when the content could not be decrypted (for example, written with another key). */
  unreadable?: true;
}

export type MemoryMeta = Omit<Memory, 'content'>;

export type UpdatedMemory = MemoryMeta & { content?: string };

export interface MemoryFields {
  content: string;
  title?: string | undefined;
  summary?: string | undefined;
  tags?: string[] | undefined;
  importance?: number | undefined;
  confidence?: number | undefined;
  source?: string | undefined;
  /** A scope's name, or null for global; absent on create means global (the tools pass the current scope). */
  scope?: string | null | undefined;
}

export type MemoryPatch = Partial<MemoryFields>;

export interface TagMeta {
  name: string;
  description?: string;
  color?: string;
}

export interface TagInfo extends TagMeta {
  count: number;
}

/**
 * Which memories a search or a tag count sees: those of the scopes named, and global ones when
 * `global` is set. Where a filter is absent, every scope is seen.
 */
export interface ScopeFilter {
  names: readonly string[];
  global: boolean;
}

/** A scope in use: its name (null for global) and how many memories it holds. */
export interface ScopeInfo {
  name: string | null;
  count: number;
}

export interface SearchFilters {
  /** Absent: every scope (the MemoryService fills it from the caller's choice and current scope). */
  scopes?: ScopeFilter | undefined;
  /** Tag names; a memory matches when it has any of them. */
  tags?: readonly string[] | undefined;
  minImportance?: number | undefined;
  source?: string | undefined;
  /** ISO instants: created_at >= createdAfter, created_at < createdBefore. */
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

export interface SearchParams extends SearchFilters {
  /** Natural language, quoted phrases kept; empty lists the most recent. */
  query?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface MemorySummary extends MemoryMeta {
  snippet: string;
  /** Relevance blended with importance and recency, 0–1; null for a most-recent listing. */
  score: number | null;
}

export interface SearchPage {
  memories: MemorySummary[];
  next_cursor: string | null;
}

export interface SimilarMemory {
  id: string;
  title: string;
}

export interface CreateOutcome {
  memory: Memory;
  /** Identical content was already stored: `memory` is that one and nothing new was written. */
  deduplicated: boolean;
  /** Near-duplicates that already existed (a warning, never a refusal); empty when deduplicated. */
  similar: SimilarMemory[];
}

/** One entry of a batched import: fields already normalised, with their content fingerprint. */
export interface NewMemory {
  fields: MemoryFields;
  fingerprint: string;
}

/**
 * Where memories live, as the MemoryService needs them. The backend owns search (full text,
 * filters, pages), tag counts and duplicate detection, since it owns the index they run on; the
 * service owns limits, defaults, normalising and change events.
 */
export interface MemoryBackend {
  readonly kind: 'local' | 'memoram';
  /**
   * A keyed fingerprint of content in a scope, equal for identical content in the same scope (see
   * crypto/codec.ts): identical content in two scopes is two memories.
   */
  fingerprint(content: string, scope: string | null): string;
  /**
   * Brings what searches answer from up to date, where that costs a round trip (Memoram's
   * replica); the local store is always current and needs none.
   */
  refresh?(signal?: AbortSignal): Promise<void>;
  get(ids: readonly string[], signal?: AbortSignal): Promise<Memory[]>;
  /**
   * Stores a memory, or returns the one with identical content (same fingerprint) with
   * `deduplicated: true`, atomically across processes where the backend can.
   */
  create(fields: MemoryFields, fingerprint: string, signal?: AbortSignal): Promise<CreateOutcome>;
  /** Many creates at once, for import: one transaction per batch where the backend has them. */
  createMany?(entries: readonly NewMemory[], signal?: AbortSignal): Promise<CreateOutcome[]>;
  /** After a bulk write of `written` memories (import): puts the search index in its fastest shape. */
  compact?(written: number): Promise<void>;
  /**
   * Throws MemoramError NOT_FOUND or CONFLICT (with the current updated_at in the message). The
   * result carries content only when the backend has it at hand (Memoram's PATCH answers without).
   */
  update(
    id: string,
    patch: MemoryPatch,
    expectedUpdatedAt?: string,
    signal?: AbortSignal,
  ): Promise<UpdatedMemory>;
  /** True when the memory existed and is now gone. */
  delete(id: string, signal?: AbortSignal): Promise<boolean>;
  /** A page of hits, best first (most recent first for an empty query); `now` measures recency. */
  search(params: SearchParams, now: number, signal?: AbortSignal): Promise<SearchPage>;
  count(signal?: AbortSignal): Promise<number>;
  /** Every memory with its content, oldest first: for export. */
  all(signal?: AbortSignal): Promise<Memory[]>;
  /** Tags in use (by the memories the filter sees) with their counts, most used first. */
  listTags(scopes: ScopeFilter | undefined, signal?: AbortSignal): Promise<TagInfo[]>;
  /** The scopes in use, global first, then the fullest. */
  listScopes(signal?: AbortSignal): Promise<ScopeInfo[]>;
  /** Search by meaning: the model's state and how far the vectors are; absent without a model. */
  searchByMeaning?(): SearchByMeaningStatus | undefined;
  /** The vectors stored, by model id (status, without loading a model). */
  vectorCounts?(signal?: AbortSignal): Promise<{ model: string; count: number }[]>;
  close(): Promise<void>;
}
