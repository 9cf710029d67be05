import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchPage, SearchParams } from '../../src/memory/types.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { TERM_CAP } from '../../src/store/search.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// An unfiltered first page reads importance and age only for the memories whose relevance leaves
// them a chance of the page; a filtered search reads them for every match. A filter that passes
// every memory (min_importance 0) must therefore rank exactly as no filter does, page after page.

let dir: string;
let db: MemoryDatabase;

/** A linear congruential generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}
const next = random(7);
const WORDS = Array.from({ length: 400 }, (_, i) => `w${i.toString(36)}x`);
// Squared: a few words common (in more than TERM_CAP memories), most rare.
const pick = () => WORDS[Math.floor(next() ** 2 * WORDS.length)]!;
const sentence = (count: number) => Array.from({ length: count }, pick).join(' ');
const NOW = Date.parse('2026-11-01T00:00:00Z');
const MEMORIES = 1500;

beforeAll(async () => {
  dir = await makeTempDir('ranking-paths');
  db = MemoryDatabase.open(path.join(dir, 'memories.db'), { key: randomBytes(32) });
  for (let i = 0; i < MEMORIES; i++) {
    const importance = next() < 0.2 ? undefined : Math.round(next() * 100) / 100;
    db.create(
      {
        content: sentence(5 + Math.floor(next() * 30)),
        title: sentence(1 + Math.floor(next() * 3)),
        importance,
      },
      `fp${i}`,
      new Date(NOW - Math.floor(next() * 400 * 86_400_000)),
    );
  }
});
afterAll(async () => {
  db.close();
  await removeTempDir(dir);
});

/** Every page of a search, as [id, score] pairs, following the cursors. */
function allPages(params: SearchParams, now: number): [string, number | null][][] {
  const pages: [string, number | null][][] = [];
  let page: SearchPage | undefined;
  do {
    page = db.search({ ...params, cursor: page?.next_cursor ?? undefined }, now);
    pages.push(page.memories.map((memory) => [memory.id, memory.score]));
  } while (page.next_cursor && pages.length < 4);
  return pages;
}

describe('ranking with and without a filter', () => {
  it('ranks alike, first page and later ones, common words and rare, one word or two', () => {
    const now = NOW + 86_400_000;
    const queries = [
      ...WORDS.slice(0, 40),
      ...WORDS.slice(200, 230),
      ...Array.from({ length: 60 }, () => `${pick()} ${pick()}`),
    ];
    let compared = 0;
    for (const query of queries) {
      for (const limit of [1, 5, 10]) {
        const plain = allPages({ query, limit }, now);
        expect(allPages({ query, limit, minImportance: 0 }, now), `${query} (limit ${limit})`).toEqual(plain);
        compared += plain.flat().length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('has words common enough to reach the cap', () => {
    let total = 0;
    let page: SearchPage | undefined;
    do {
      page = db.search({ query: WORDS[0], limit: 50, cursor: page?.next_cursor ?? undefined });
      total += page.memories.length;
    } while (page.next_cursor);
    expect(total).toBe(TERM_CAP);
  });
});
