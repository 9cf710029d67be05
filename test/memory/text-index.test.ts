import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TextIndex } from '../../src/memory/text-index.js';
import type { Memory } from '../../src/memory/types.js';

const stamp = '2026-01-01T00:00:00.000Z';
const memory = (id: string, content: string, extra: Partial<Memory> = {}): Memory => ({
  id,
  title: '',
  summary: '',
  content,
  tags: [],
  importance: 0.5,
  confidence: 1,
  source: null,
  created_at: stamp,
  updated_at: stamp,
  ...extra,
});
const ids = (index: TextIndex, query: string) =>
  index.match(query, { needed: Number.POSITIVE_INFINITY }).hits.map((hit) => hit.id);

describe('TextIndex', () => {
  it('answers a query with every write made before it, indexed or still queued', async () => {
    const index = new TextIndex();
    index.put(memory('a', 'espresso with oat milk'));
    expect(ids(index, 'espresso')).toEqual(['a']);

    index.put(memory('b', 'espresso beans from Kenya'));
    index.put(memory('a', 'green tea instead', { tags: ['drinks'] }));
    index.drop('c'); // never indexed: nothing to drop
    expect(ids(index, 'espresso')).toEqual(['b']);
    expect(ids(index, 'drinks')).toEqual(['a']);

    index.put(memory('c', 'a note about espresso'));
    index.drop('c');
    await nextTurn(); // the queue runs on its own once the event loop is free
    expect(ids(index, 'espresso')).toEqual(['b']);
    index.drop('b');
    expect(ids(index, 'espresso')).toEqual([]);
  });

  it('gives each hit the fuzzy spellings its own text holds, for its snippet', () => {
    const index = new TextIndex();
    index.put(memory('a', 'thats all for now, the kits are ready'));
    index.put(memory('b', 'the cats sleep'));
    index.put(memory('c', 'bats at dusk'));
    const { hits } = index.match('kats', { needed: 10 });
    const terms = Object.fromEntries(hits.map((hit) => [hit.id, hit.terms]));
    expect(terms).toEqual({ a: ['kats', 'kits'], b: ['kats', 'cats'], c: ['kats', 'bats'] });
  });

  it('answers a query of more distinct words than the scorer takes', () => {
    const index = new TextIndex();
    index.put(memory('a', 'The deployment runs on Fridays'));
    index.put(memory('b', 'The kitchen has an espresso machine'));
    const filler = Array.from({ length: 40 }, (_, i) => `filler${i}`).join(' ');
    expect(ids(index, `${filler} espreso`)).toEqual(['b']);
    expect(ids(index, `${filler} deploy kitchen`).sort()).toEqual(['a', 'b']);
    const accepted = index.match(`${filler} deploy kitchen`, {
      needed: Number.POSITIVE_INFINITY,
      accept: (id) => id === 'a',
    });
    expect(accepted).toMatchObject({ total: 1, hits: [{ id: 'a' }], matchedTerms: ['deploy'] });
  });

  it('matches prefixes, and typos only where a word found nothing', () => {
    const index = new TextIndex();
    index.put(memory('a', 'The deployment runs on Fridays'));
    index.put(memory('b', 'The kitchen has an espresso machine'));
    expect(ids(index, 'deploy')).toEqual(['a']);
    expect(ids(index, 'espreso')).toEqual(['b']);
    index.clear();
    expect(ids(index, 'deploy')).toEqual([]);
  });
});
