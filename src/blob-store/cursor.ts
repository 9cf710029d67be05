/**
 * The blob list's cursor: opaque to callers, it holds the (created_at, id) of the last blob of a
 * page, the order the list is sorted in.
 */
import { MemoramError } from '../memory/errors.js';

export function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw new MemoramError('INVALID_INPUT', 'The cursor is not valid.', {
    hint: 'Use the next_cursor value from a previous page, or omit cursor to start from the first page.',
  });
}
