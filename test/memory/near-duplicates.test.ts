import { describe, expect, it } from 'vitest';
import { NearDuplicates } from '../../src/memory/near-duplicates.js';

/** A deterministic vocabulary and word picker, so every run checks the same texts. */
function words(seed: number): () => string {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return `w${state % 5000}`;
  };
}

function text(pick: () => string, count: number): string[] {
  return Array.from({ length: count }, pick);
}

const jaccard = (a: string[], b: string[]) => {
  const left = new Set(a);
  const right = new Set(b);
  const shared = [...left].filter((word) => right.has(word)).length;
  return shared / (left.size + right.size - shared);
};

describe('NearDuplicates', () => {
  it('finds a reworded memory, most alike first, and nothing unrelated', () => {
    const finder = new NearDuplicates();
    finder.add('a', 'The user keeps a sourdough starter named Clint in the fridge');
    finder.add('b', 'The user keeps a sourdough starter named Clint in the fridge at home');
    finder.add('c', 'Quarterly taxes are due on the fifteenth of April');
    const found = finder.find('The user keeps a sourdough starter named Clint in the fridge now', 0.6);
    expect(found.map((hit) => hit.id)).toEqual(['a', 'b']);
    expect(found[0]!.jaccard).toBeCloseTo(10 / 11);
    expect(finder.find('Completely different words about gardening', 0.6)).toEqual([]);
    expect(finder.find('', 0.6)).toEqual([]);
  });

  it('compares words, not case or punctuation', () => {
    const finder = new NearDuplicates();
    finder.add('a', 'Prefers TABS over spaces; uses Vim.');
    expect(finder.find('prefers tabs over spaces, uses vim', 0.6).map((hit) => hit.id)).toEqual(['a']);
  });

  it('forgets removed and replaced memories', () => {
    const finder = new NearDuplicates();
    finder.add('a', 'The deploy runs every Friday at noon from the main branch');
    finder.add('a', 'Lunch is at one');
    expect(finder.find('The deploy runs every Friday at noon from the main branch', 0.6)).toEqual([]);
    expect(finder.find('Lunch is at one', 0.6).map((hit) => hit.id)).toEqual(['a']);
    finder.remove('a');
    finder.remove('never-added');
    expect(finder.find('Lunch is at one', 0.6)).toEqual([]);
    finder.add('b', 'Lunch is at one');
    finder.clear();
    expect(finder.find('Lunch is at one', 0.6)).toEqual([]);
  });

  it('keeps buckets shared by several memories right as they go', () => {
    const finder = new NearDuplicates();
    const note = 'The user takes the 8:15 train to Zurich on weekdays';
    for (const id of ['a', 'b', 'c']) finder.add(id, note);
    const ids = () => finder.find(note, 0.6).map((hit) => hit.id);
    expect(ids()).toEqual(['a', 'b', 'c']);
    finder.remove('b');
    expect(ids()).toEqual(['a', 'c']);
    finder.remove('a');
    expect(ids()).toEqual(['c']);
    finder.add('a', note);
    expect(ids()).toEqual(['a', 'c']);
    finder.remove('c');
    finder.remove('a');
    expect(ids()).toEqual([]);
  });

  it('finds nearly every pair at or above the threshold among thousands, and never one below it', () => {
    const finder = new NearDuplicates();
    const pick = words(7);
    const originals = Array.from({ length: 3000 }, () => text(pick, 40));
    for (const [i, original] of originals.entries()) finder.add(`m${i}`, original.join(' '));

    let pairs = 0;
    let found = 0;
    for (let i = 0; i < originals.length; i += 10) {
      // Every fifth word replaced: a Jaccard of about 0.65.
      const edited = originals[i]!.map((word, at) => (at % 5 === 0 ? pick() : word));
      const hits = finder.find(edited.join(' '), 0.6);
      for (const hit of hits)
        expect(jaccard(edited, originals[Number(hit.id.slice(1))]!)).toBeGreaterThanOrEqual(0.6);
      if (jaccard(edited, originals[i]!) < 0.6) continue;
      pairs++;
      if (hits.some((hit) => hit.id === `m${i}`)) found++;
    }
    expect(pairs).toBeGreaterThan(200);
    // 20 bands of 4 rows: 94% of pairs at exactly 0.6, more above it.
    expect(found / pairs).toBeGreaterThan(0.93);
  });
});
