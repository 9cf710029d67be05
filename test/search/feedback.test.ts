/**
 * The query expansion from a search's best match (store/feedback.ts), on a real encrypted file:
 * the best match's rare words lift the other memories of its subject, the best match keeps its
 * place, and a memory holding none of the query's words is still no hit.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
let db: MemoryDatabase;
const keyOf = new Map<string, string>();
const NOW = Date.parse('2026-11-01T00:00:00Z');

const TURNS: [key: string, content: string][] = [
  ['adopted', 'Priya: We rescued a grey cat from the shelter last week, she is called Smudge.'],
  ['coffee', 'Priya: Smudge knocked my whole mug of coffee onto the laptop this morning, what a start.'],
  ['sofa', 'Smudge has claimed the sofa as her own.'],
  ...Array.from({ length: 8 }, (_, i): [string, string] => [`talk${i}`, `Priya: Busy week ${i}.`]),
  // Enough other memories that a word in a few of them is rare.
  ...Array.from({ length: 60 }, (_, i): [string, string] => [
    `other${i}`,
    `Sam: Long day at work number ${i}.`,
  ]),
];

beforeAll(async () => {
  dir = await makeTempDir('feedback');
  db = MemoryDatabase.open(path.join(dir, 'memories.db'), { key: randomBytes(32) });
  TURNS.forEach(([key, content], at) => {
    // The small talk is newer, so recency favours it over the second turn about the cat.
    const created = db.create({ content }, key, new Date(NOW - (TURNS.length - at) * 60_000));
    keyOf.set(created.memory.id, key);
  });
});

afterAll(async () => {
  db.close();
  await removeTempDir(dir);
});

/** The keys found, unfiltered or through a filter every memory passes (the other scoring path). */
const search = (query: string, filtered = false) =>
  db
    .search({ query, limit: 10, ...(filtered ? { minImportance: 0 } : {}) }, NOW)
    .memories.map((hit) => keyOf.get(hit.id));

describe('query expansion from the best match', () => {
  it('lifts the memory sharing the best match’s rare word above the others that share only the query’s', () => {
    const found = search('What cat does Priya have?');
    expect(found[0]).toBe('adopted');
    expect(found[1]).toBe('coffee');
  });

  it('returns no memory that holds none of the query’s words', () => {
    const found = search('What cat does Priya have?');
    expect(found).not.toContain('sofa');
    expect(found.every((key) => key === 'adopted' || key === 'coffee' || key?.startsWith('talk'))).toBe(true);
  });

  it('ranks the same with a filter that passes every memory', () => {
    expect(search('What cat does Priya have?', true)).toEqual(search('What cat does Priya have?'));
  });
});
