/**
 * Optional pagination of the short lists (access requests, tags). The contract documents none
 * for them, but best practices mention `limit`/`cursor` (CONTRACT.md §6, §10 #5): all items come
 * back unless either parameter is given, and only then does the answer carry `next_cursor`.
 */
import { badRequest } from './http.js';

export const MAX_LIMIT = 100;

/** `limit` from the query: absent → undefined, else a positive integer (capped at MAX_LIMIT). */
export function readLimit(query: URLSearchParams, fallback?: number): number | undefined {
  const raw = query.get('limit');
  if (raw === null) return fallback;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(limit) || limit < 1) {
    throw badRequest('limit must be a positive integer.');
  }
  return Math.min(limit, MAX_LIMIT);
}

function decodeKey(cursor: string): string {
  const key = Buffer.from(cursor, 'base64url').toString('utf8');
  if (cursor === '' || Buffer.from(key, 'utf8').toString('base64url') !== cursor) {
    throw badRequest('The cursor is not valid. Use next_cursor from a previous page.');
  }
  return key;
}

/**
 * A page of `items`, which are sorted so that `keyOf` strictly increases under `compare`.
 * The cursor is the key of the last item handed out, so a page never repeats or skips an item.
 */
export function paginate<T>(
  items: readonly T[],
  query: URLSearchParams,
  keyOf: (item: T) => string,
  compare: (a: string, b: string) => number,
): { items: T[]; next_cursor?: string | null } {
  const cursor = query.get('cursor');
  const limit = readLimit(query);
  if (cursor === null && limit === undefined) return { items: [...items] };
  const after = cursor === null ? undefined : decodeKey(cursor);
  const rest = after === undefined ? items : items.filter((item) => compare(keyOf(item), after) > 0);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  const more = rest.length > page.length && last !== undefined;
  return { items: page, next_cursor: more ? Buffer.from(keyOf(last), 'utf8').toString('base64url') : null };
}

export function ascending(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function descending(a: string, b: string): number {
  return ascending(b, a);
}
