import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SearchIndex } from '../../src/memory/search-index.js';
import type { Memory } from '../../src/memory/types.js';

const WORDS = [
  'alpine',
  'lake',
  'river',
  'granite',
  'summit',
  'trail',
  'forest',
  'cabin',
  'glacier',
  'meadow',
];
const fingerprint = (content: string) => createHash('sha256').update(content).digest('hex');

function memory(i: number, content: string, extra: Partial<Memory> = {}): Memory {
  const stamp = new Date(Date.UTC(2026, 0, 1) + i * 3_600_000 * 7).toISOString();
  return {
    id: `mem_${String(i).padStart(4, '0')}`,
    title: '',
    summary: '',
    content,
    tags: [],
    importance: ((i * 37) % 100) / 100,
    confidence: 1,
    source: null,
    created_at: stamp,
    updated_at: stamp,
    ...extra,
  };
}

function filled(count: number): SearchIndex {
  const index = new SearchIndex(fingerprint);
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: 6 + (i % 5) }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]);
    index.upsert(memory(i, words.join(' ')));
  }
  return index;
}

describe('SearchIndex', () => {
  it('returns the same top results whether it ranks every hit or only what a page needs', () => {
    const index = filled(600);
    const now = Date.UTC(2026, 6, 1);
    for (const query of ['lake', 'granite summit', 'forest cabin meadow', 'glac']) {
      const everything = index.search(query, {}, now);
      for (const needed of [1, 10, 55]) {
        const page = index.search(query, {}, now, needed);
        expect(page.total).toBe(everything.total);
        expect(page.ranked.map((hit) => hit.memory.id)).toEqual(
          everything.ranked.slice(0, needed).map((hit) => hit.memory.id),
        );
      }
    }
  });

  it('fuzzy-matches only the query words that found nothing', () => {
    const index = new SearchIndex(fingerprint);
    index.upsert(memory(1, 'The espresso machine in the kitchen'));
    index.upsert(memory(2, 'A kitchen table made of oak'));
    // "espreso" has no exact or prefix match, so it is looked up fuzzily; "kitchen" matched as is.
    const hits = index.search('espreso kitchen', {}).ranked.map((hit) => hit.memory.id);
    expect(hits[0]).toBe('mem_0001');
    expect(hits).toContain('mem_0002');
    expect(index.search('kitchen', {}).total).toBe(2);
  });

  it('finds near-duplicates, and forgets a memory’s old wording after an update and a removal', () => {
    const index = filled(300);
    const original = memory(9999, 'The user keeps a sourdough starter named Clint in the fridge');
    index.upsert(original);
    expect(
      index.similarTo('The user keeps a sourdough starter named Clint in the fridge now').map((m) => m.id),
    ).toEqual([original.id]);
    index.upsert({
      ...original,
      content: 'Completely different words about taxes',
      updated_at: '2027-01-01T00:00:00.000Z',
    });
    expect(index.similarTo('The user keeps a sourdough starter named Clint in the fridge now')).toEqual([]);
    index.remove(original.id);
    expect(index.similarTo('Completely different words about taxes')).toEqual([]);
  });

  it('re-indexes a change even when updated_at did not move (Memoram stamps to the second)', () => {
    const index = new SearchIndex(fingerprint);
    const original = memory(1, 'Green tea in the morning', { title: 'Tea', tags: ['drinks'] });
    index.upsert(original);
    index.upsert({ ...original, title: 'Matcha', tags: ['food'] });
    expect(index.search('matcha', {}).total).toBe(1);
    expect([...index.tagCounts()]).toEqual([['food', 1]]);
    index.remove(original.id);
    expect([...index.tagCounts()]).toEqual([]);
  });

  it('lists the most recent first for an empty query, honouring filters', () => {
    const index = filled(20);
    const found = index.search('', { minImportance: 0.5 }, Date.now(), 3);
    expect(found.ranked).toHaveLength(3);
    const stamps = found.ranked.map((hit) => hit.memory.updated_at);
    expect([...stamps].sort().reverse()).toEqual(stamps);
    expect(found.ranked.every((hit) => (hit.memory.importance ?? 0) >= 0.5)).toBe(true);
  });
});
