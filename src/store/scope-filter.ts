/**
 * A scope filter as SQL over `memories m`: the clause every query that lists memories for a
 * caller (full text, vectors, recent, tags, near-duplicates) adds to its WHERE, so that no query
 * ever sees another scope's memories. `m.scope` is read from memories_scoring or
 * memories_by_updated, which both hold it, so the filter costs no page reads of its own.
 */
import type { ScopeFilter } from '../memory/types.js';

export interface SqlClause {
  sql: string;
  args: unknown[];
}

/** Null when the filter lets every scope through (no clause to add). */
export function scopeClause(scopes: ScopeFilter | undefined, alias = 'm'): SqlClause | null {
  if (!scopes) return null;
  const column = `${alias}.scope`;
  const names = [...new Set(scopes.names)];
  if (names.length === 0) return { sql: scopes.global ? `${column} IS NULL` : '0', args: [] };
  const inNames = `${column} IN (${names.map(() => '?').join(', ')})`;
  return { sql: scopes.global ? `(${inNames} OR ${column} IS NULL)` : inNames, args: names };
}
