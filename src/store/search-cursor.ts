/**
 * search cursors: where the next page starts (a position in the ranked order, not an offset, so a
 * write between two pages neither repeats nor skips a hit), tied by a short hash to the query and
 * filters it came from, so a cursor from another search is refused rather than misread.
 */
import { createHash } from 'node:crypto';
import { MemoramError } from '../memory/errors.js';

/** The last hit of a page: its score (or updated time for a listing) and its rowid. */
export type CursorPosition = [number, number];

/** Identifies a search by everything but its page: the cursor and the page size may change. */
export function searchKey(params: object): string {
  const { cursor: _cursor, limit: _limit, ...rest } = params as { cursor?: unknown; limit?: unknown };
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 10);
}

export function encodeSearchCursor(position: CursorPosition, key: string): string {
  return Buffer.from(`${position[0]}~${position[1]}~${key}`).toString('base64url');
}

export function decodeSearchCursor(cursor: string, key: string): CursorPosition {
  const [first, second, cursorKey] = Buffer.from(cursor, 'base64url').toString('utf8').split('~');
  const position: CursorPosition = [Number(first), Number(second)];
  if (cursorKey !== key || !position.every(Number.isFinite) || !Number.isInteger(position[1])) {
    throw new MemoramError('INVALID_INPUT', 'The cursor does not belong to this search.', {
      hint: 'Repeat the same query and filters with the next_cursor you were given, or omit cursor to start over.',
    });
  }
  return position;
}
