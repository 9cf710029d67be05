/**
 * A scope filter as SQL over `memories m`: the clause every query that lists memories for a
 * caller (full text, vectors, recent, tags, near-duplicates) adds to its WHERE, so that no query
 * ever sees another scope's memories. `m.scope` is read from memories_scoring or
 * memories_by_updated, which both hold it, so the filter costs no page reads of its own.
 */
import type { ScopeFilter } from '../memory/types.js';
import type { Sql } from './search.js';

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

/**
 * Whether every memory in the store passes `scopes`, so that a search may go without the filter
 * and take its cheaper unfiltered path (search.ts): the common case is the default filter (the
 * current scope and global memories) on a store whose memories are all global, or all in that
 * scope. Two seeks in memories_by_scope at most, within the search's read transaction; a filter
 * of several names is left as it is.
 */
export function passesEveryMemory(sql: Sql, scopes: ScopeFilter | undefined): boolean {
  if (!scopes) return true;
  const names = [...new Set(scopes.names)];
  if (names.length > 1) return false;
  const any = (where: string, ...args: unknown[]) =>
    sql(`SELECT EXISTS (SELECT 1 FROM memories INDEXED BY memories_by_scope WHERE ${where})`)
      .pluck()
      .get(...args) === 1;
  if (!scopes.global && any('scope IS NULL')) return false;
  const [name] = names;
  if (name === undefined) return scopes.global && !any('scope IS NOT NULL');
  return !any('scope < ?', name) && !any('scope > ?', name);
}
