/**
 * What the memory page's API answers, as the page reads it: shared by the server (src/ui/api.ts)
 * and the browser code (src/ui/page/), so the two cannot drift apart. Types only.
 */
import type { Memory, MemorySummary, ScopeInfo, TagInfo } from '../memory/types.js';

export type { Memory, MemoryMeta } from '../memory/types.js';
export type Hit = MemorySummary;
export type Tag = TagInfo;
export type Scope = ScopeInfo;

export interface HitPage {
  memories: Hit[];
  next_cursor: string | null;
}

export interface StoreFacts {
  backend: 'local' | 'memoram';
  /** The encrypted SQLite file the page reads (the replica's, for Memoram). */
  file: string | null;
  state: string;
  message: string;
  read_only: boolean;
  memories: number | null;
  /** Further facts, label to value (the embeddings' state, where the store has them). */
  extra?: Record<string, string>;
}

export interface DeleteAnswer {
  deleted: string[];
  not_found: string[];
  /** The deleted memories in full, for the page's undo. */
  memories: Memory[];
}
