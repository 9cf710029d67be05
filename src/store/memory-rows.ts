/**
 * Memories as rows of the memories table and back: tags as a JSON array, times also in
 * milliseconds (for ranking and filters), the CJK bigrams the index reads, and content no key
 * opened kept sealed beside an empty `content`.
 */
import type { Memory } from '../memory/types.js';
import { cjkColumn } from './cjk.js';

export interface MemoryRow {
  rowid: number;
  id: string;
  title: string;
  summary: string;
  tags: string;
  content: string;
  importance: number | null;
  confidence: number | null;
  source: string | null;
  scope: string | null;
  created_at: string;
  updated_at: string;
  fingerprint: string | null;
  sealed: string | null;
}

export const MEMORY_COLUMNS = `rowid, id, title, summary, tags, content, importance, confidence, source, scope,
  created_at, updated_at, fingerprint, sealed`;

export const INSERT_MEMORY = `INSERT INTO memories (id, title, summary, tags, content, cjk, importance, confidence,
  source, scope, created_at, created_ms, updated_at, updated_ms, fingerprint, sealed)
  VALUES (@id, @title, @summary, @tags, @content, @cjk, @importance, @confidence, @source, @scope, @created_at,
  @created_ms, @updated_at, @updated_ms, @fingerprint, @sealed)`;

export function toMemory(row: MemoryRow): Memory {
  return {
    id: row.id,
    title: row.title,
    summary: row.summary,
    content: row.sealed === null ? row.content : '',
    tags: JSON.parse(row.tags) as string[],
    importance: row.importance,
    confidence: row.confidence,
    source: row.source,
    scope: row.scope,
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...(row.sealed === null ? {} : { unreadable: true as const }),
  };
}

/** The named parameters of INSERT_MEMORY for `memory`. */
export function rowParams(memory: Memory, fingerprint: string | null, sealed: string | null = null) {
  const content = memory.unreadable ? '' : memory.content;
  return {
    id: memory.id,
    title: memory.title,
    summary: memory.summary,
    tags: JSON.stringify(memory.tags),
    content,
    cjk: cjkColumn(memory.title, memory.summary, memory.tags.join(' '), content),
    importance: memory.importance,
    confidence: memory.confidence,
    source: memory.source,
    scope: memory.scope,
    created_at: memory.created_at,
    created_ms: Date.parse(memory.created_at) || 0,
    updated_at: memory.updated_at,
    updated_ms: Date.parse(memory.updated_at) || 0,
    fingerprint: memory.unreadable ? null : fingerprint,
    sealed: memory.unreadable ? (sealed ?? '') : null,
  };
}
