/**
 * The domain's view of a memory and the MemoryBackend interface: what the MemoryService needs from
 * wherever memories live (the local SQLite store, or Memoram). Backends hand out decrypted
 * memories; keys, ciphertext and wire formats stay behind this line.
 */

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

export interface SyncResult {
  /** Memories created or changed since the token (all of them when `full`). */
  upserts: Memory[];
  deleted: string[];
  /** Pass back on the next call to get only what changed after this one. */
  token: string;
  /** The upserts are the whole store: whatever else the caller holds is gone. */
  full: boolean;
}

export interface CreateOutcome {
  memory: Memory;
  /** Identical content was already stored: `memory` is that one and nothing new was written. */
  deduplicated: boolean;
}

export interface MemoryBackend {
  readonly kind: 'local' | 'memoram';
  /**
   * How the service keeps its index current: `eager` backends are cheap to ask on every call;
   * `background` ones are asked once to warm up and then refreshed off the request path.
   */
  readonly syncMode: 'eager' | 'background';
  sync(token: string | undefined, signal?: AbortSignal): Promise<SyncResult>;
  /** A keyed fingerprint of content, equal for identical content (see crypto/codec.ts). */
  fingerprint(content: string): string;
  get(ids: readonly string[], signal?: AbortSignal): Promise<Memory[]>;
  create(fields: MemoryFields, fingerprint: string, signal?: AbortSignal): Promise<CreateOutcome>;
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
  /** Tag descriptions and colours; the service counts use from its index. */
  listTags(signal?: AbortSignal): Promise<TagMeta[]>;
  close(): Promise<void>;
}
