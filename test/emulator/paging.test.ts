import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/emulator/http.js';
import { ascending, descending, paginate } from '../../src/emulator/paging.js';

const letters = ['a', 'b', 'c', 'd', 'e'];
const page = (query: string, items = letters, compare = ascending) =>
  paginate(items, new URLSearchParams(query), (item) => item, compare);

describe('paginate', () => {
  it('returns everything, without next_cursor, unless limit or cursor is given', () => {
    expect(page('')).toEqual({ items: letters });
  });

  it('walks pages by key, in either direction, capping limit at 100', () => {
    const first = page('limit=2');
    expect(first.items).toEqual(['a', 'b']);
    const second = page(`limit=2&cursor=${first.next_cursor}`);
    expect(second.items).toEqual(['c', 'd']);
    expect(page(`limit=2&cursor=${second.next_cursor}`)).toEqual({ items: ['e'], next_cursor: null });
    expect(page(`cursor=${first.next_cursor}`)).toEqual({ items: ['c', 'd', 'e'], next_cursor: null });
    const reversed = [...letters].reverse();
    const down = page('limit=3', reversed, descending);
    expect(page(`cursor=${down.next_cursor}`, reversed, descending).items).toEqual(['b', 'a']);
    const many = Array.from({ length: 150 }, (_, i) => String(i).padStart(3, '0'));
    expect(page('limit=500', many).items).toHaveLength(100);
  });

  it('refuses a bad limit or cursor with a 400', () => {
    for (const query of ['limit=0', 'limit=-1', 'limit=1.5', 'limit=x', 'cursor=', 'cursor=*']) {
      expect(() => page(query)).toThrow(HttpError);
    }
  });
});
