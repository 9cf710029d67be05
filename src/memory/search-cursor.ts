/**
 * search_memories cursors: the offset of the next page, tied to the query and filters it came from
 * by a short hash of them, so a cursor from another search is refused rather than misread.
 */
import { createHash } from 'node:crypto';
import { MemoramError } from './errors.js';

/** Identifies a search by everything but its page: the cursor and the page size may change. */
export function searchKey(params: { cursor?: unknown; limit?: unknown }): string {
  const { cursor: _cursor, limit: _limit, ...rest } = params;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 10);
}

export function encodeSearchCursor(offset: number, key: string): string {
  return Buffer.from(`${offset}.${key}`).toString('base64url');
}

/** The offset a cursor points to, or INVALID_INPUT when it belongs to another search or is garbled. */
export function decodeSearchCursor(cursor: string, key: string): number {
  const [offset, cursorKey] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
  const value = Number(offset);
  if (cursorKey !== key || !Number.isInteger(value) || value < 0) {
    throw new MemoramError('INVALID_INPUT', 'The cursor does not belong to this search.', {
      hint: 'Repeat the same query and filters with the next_cursor you were given, or omit cursor to start over.',
    });
  }
  return value;
}
