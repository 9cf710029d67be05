/**
 * Queries a model or a user may type that mean something to FTS5 (or to nothing at all): each one
 * answers with a result, never a tool error or an FTS5 syntax error, and the plain words in it
 * still find what they name. Noise comes from a seeded generator, so every run asks the same.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/memory/limits.js';
import { callTool, type Pair, startLocal, structured, text } from '../helpers/mcp-pair.js';
import { mulberry32 } from '../helpers/mulberry32.mjs';

let pair: Pair;
const ids: Record<string, string> = {};

const MEMORIES = {
  kite: 'The red kite nested behind the old barn all spring.',
  barn: 'The barn behind the red house had a kite stuck on its roof after the storm.',
  postgres: 'The user prefers Postgres over MySQL for new services.',
  pixel: 'Pixel is the user’s beagle; he is afraid of scooters.',
};

/** What leaks when a query reaches FTS5 or SQLite unescaped. */
const ENGINE_ERROR =
  /fts5|syntax error|sqlite|malformed|unterminated|no such column|unknown special query|internal error/i;

async function search(query: string, extra: Record<string, unknown> = {}) {
  const result = await callTool(pair.client, 'search_memories', { query, ...extra });
  return result;
}

async function expectAnswers(query: string): Promise<string[]> {
  const result = await search(query);
  const label = JSON.stringify(query);
  expect(result.isError, `${label} → ${text(result)}`).toBeFalsy();
  expect(text(result), label).not.toMatch(ENGINE_ERROR);
  return structured<{ memories: { id: string }[] }>(result).memories.map((hit) => hit.id);
}

const FTS5_PIECES = [
  '"',
  '*',
  '^',
  ':',
  '-',
  '+',
  '(',
  ')',
  '{',
  '}',
  ' AND ',
  ' OR ',
  ' NOT ',
  ' NEAR(',
  ',',
  "'",
];
/** Code point ranges: ASCII, Latin-1, Greek, Cyrillic, combining marks, CJK, kana, Hangul, emoji, specials. */
const RANGES: [number, number][] = [
  [0x21, 0x7e],
  [0xa1, 0xff],
  [0x391, 0x3c9],
  [0x410, 0x44f],
  [0x300, 0x36f],
  [0x4e00, 0x9fff],
  [0x3041, 0x30ff],
  [0xac00, 0xd7a3],
  [0x1f300, 0x1f64f],
  [0x200b, 0x200f],
  [0xfff0, 0xfffd],
];

function noise(seed: number, length: number, { quotes = true } = {}): string {
  const random = mulberry32(seed);
  let out = '';
  while (out.length < length) {
    const roll = random();
    let piece: string;
    if (roll < 0.15) piece = ' ';
    else if (roll < 0.3) piece = FTS5_PIECES[Math.floor(random() * FTS5_PIECES.length)]!;
    else {
      const [low, high] = RANGES[Math.floor(random() * RANGES.length)]!;
      piece = String.fromCodePoint(low + Math.floor(random() * (high - low + 1)));
    }
    if (!quotes) piece = piece.replaceAll('"', ' ');
    if (out.length + piece.length <= length) out += piece;
    else out += ' ';
  }
  return out;
}

beforeAll(async () => {
  pair = await startLocal();
  for (const [key, content] of Object.entries(MEMORIES)) {
    const result = await callTool(pair.client, 'create_memory', { content, title: key });
    expect(result.isError, text(result)).toBeFalsy();
    ids[key] = structured<{ id: string }>(result).id;
  }
});

afterAll(async () => {
  await pair?.close();
});

describe('hostile queries answer without an error', () => {
  const punctuation = [
    '"',
    '""',
    '"""',
    "'",
    "''",
    '*',
    '**',
    '^',
    '-',
    '--',
    '+',
    ':',
    '::',
    '(',
    ')',
    '()',
    '((',
    '))',
    '{',
    '}',
    '{}',
    ',',
    '.',
    '...',
    '?',
    '!',
    ';',
    '\\',
    '%',
    '_',
    '~',
    '`',
    '|',
    '#',
    '@',
    '&',
    '$',
    '!@#$%^&*()_+-=[]{}|;\':",./<>?`~',
  ];
  it.each(punctuation)('punctuation only: %j', async (query) => {
    await expectAnswers(query);
  });

  const syntax = [
    'NEAR',
    'NEAR(a b)',
    'NEAR(a b, 2)',
    'NEAR(kite barn, 0)',
    'a NEAR b',
    'NEAR/3',
    'AND',
    'OR',
    'NOT',
    'AND OR NOT',
    'kite AND',
    'OR kite',
    'NOT kite',
    'kite NOT',
    'kite AND NOT barn',
    'kite OR',
    '-kite',
    'kite -barn',
    '^kite',
    'kite^',
    'kite*',
    '*kite',
    'ki*te',
    '"kite*"',
    'title:x',
    'title:kite',
    'content:kite',
    'nosuchcolumn:kite',
    'title : kite',
    '{title summary}: x',
    '{title summary}:kite',
    '{nosuch}: kite',
    '- title:kite',
    '"red kite',
    'red kite"',
    '"red" "kite',
    '(kite',
    'kite)',
    '(kite OR barn',
    '((kite)))',
    'kite + barn',
    'rank:1',
    'rowid:1',
    'memories_fts:kite',
    "'; DROP TABLE memories; --",
    'kite" OR "1"="1',
    'kite\u0000barn',
    '\u0000',
    '\u200b',
    '\u200e\u200f',
    '\u0301\u0301\u0301',
    '\ufeff',
    '\ud800',
    '🙂🙂🙂',
    '👩‍👩‍👧‍👦',
  ];
  it.each(syntax)('FTS5 syntax: %j', async (query) => {
    await expectAnswers(query);
  });

  const long = [
    'a'.repeat(LIMITS.queryChars),
    `${'x'.repeat(LIMITS.queryChars - 1)}*`,
    'kubernetes'.repeat(LIMITS.queryChars / 10),
    'é'.repeat(LIMITS.queryChars),
    '漢'.repeat(LIMITS.queryChars),
    `${'"'.repeat(250)}${'*'.repeat(250)}`,
    '( '.repeat(LIMITS.queryChars / 2),
    'NEAR('.repeat(LIMITS.queryChars / 5),
    'a '.repeat(LIMITS.queryChars / 2),
    'kite OR '.repeat(Math.floor(LIMITS.queryChars / 8)),
  ];
  it.each(long.map((query, index) => [index, query] as const))(
    'very long query #%i',
    async (_index, query) => {
      expect(query.length).toBeLessThanOrEqual(LIMITS.queryChars);
      await expectAnswers(query);
    },
  );

  const seeds = Array.from({ length: 25 }, (_, index) => 1000 + index);
  it.each(seeds)('500 characters of seeded noise, seed %i', async (seed) => {
    const query = noise(seed, LIMITS.queryChars);
    expect(query.length).toBe(LIMITS.queryChars);
    await expectAnswers(query);
  });

  it('hostile queries also answer with filters and paging', async () => {
    for (const query of ['"', 'NEAR(', '{title}:', noise(7, LIMITS.queryChars)]) {
      const result = await search(query, { tags: ['x'], min_importance: 0.1, limit: 1 });
      expect(result.isError, `${JSON.stringify(query)} → ${text(result)}`).toBeFalsy();
    }
    const first = await search('kite OR barn*', { limit: 1 });
    const cursor = structured<{ next_cursor: string | null }>(first).next_cursor;
    expect(cursor).toBeTypeOf('string');
    const second = await search('kite OR barn*', { limit: 1, cursor });
    expect(second.isError, text(second)).toBeFalsy();
  });
});

describe('the words in a hostile query still find what they name', () => {
  it('a quoted phrase finds the memory holding it, not one holding the words apart', async () => {
    expect(await expectAnswers('"red kite"')).toEqual([ids['kite']]);
  });

  it('unquoted, the same words find both', async () => {
    expect((await expectAnswers('red kite')).sort()).toEqual([ids['kite'], ids['barn']].sort());
  });

  it.each([
    '"red kite',
    'kite"',
    '(kite',
    'kite)',
    '^kite',
    '-kite',
    'kite*',
    'title:kite',
    '{title summary}: kite',
    'NEAR(kite scooters)',
    'kite AND',
    '"kite',
    'kite!!!',
    '¿kite?',
    '«kite»',
    '“kite”',
  ])('%j finds the kite memory', async (query) => {
    expect(await expectAnswers(query)).toContain(ids['kite']);
  });

  it.each(['kite NOT barn', 'kite -barn', 'kite AND NOT barn'])(
    '%j searches NOT and - as plain words: both memories match',
    async (query) => {
      const found = await expectAnswers(query);
      expect(found).toContain(ids['kite']);
      expect(found).toContain(ids['barn']);
    },
  );

  it('AND and OR are plain words too: "postgres AND beagle" finds both memories', async () => {
    const found = await expectAnswers('postgres AND beagle');
    expect(found).toContain(ids['postgres']);
    expect(found).toContain(ids['pixel']);
  });

  it.each(Array.from({ length: 10 }, (_, index) => 2000 + index))(
    'a word inside 500 characters of noise still finds its memory (seed %i)',
    async (seed) => {
      const side = (LIMITS.queryChars - ' scooters '.length) / 2;
      const query = `${noise(seed, Math.floor(side), { quotes: false })} scooters ${noise(seed + 1, Math.ceil(side), { quotes: false })}`;
      expect(query.length).toBe(LIMITS.queryChars);
      expect(await expectAnswers(query)).toContain(ids['pixel']);
    },
  );
});

describe('long queries', () => {
  it('a question of more than twelve words still finds the memory only its last word names', async () => {
    const query =
      'Please look through everything saved over recent months and tell me, plainly and honestly, whether anything mentions scooters';
    expect(await expectAnswers(query)).toContain(ids['pixel']);
  });
});
