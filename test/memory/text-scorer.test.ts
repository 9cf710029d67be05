// TextScorer reads MiniSearch's index and must score as MiniSearch's own search does: every answer
// here is checked against it, over a corpus with updates and removals, vacuumed or not yet.
import type MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { newMiniSearch, TEXT_SETTINGS, type TextDoc, tokenize } from '../../src/memory/text-index.js';
import { type ScoreOptions, TextScorer } from '../../src/memory/text-scorer.js';

type Doc = TextDoc;

function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  const syllables = ['ka', 'lo', 'mi', 'ra', 'te', 'su', 'no', 'vi'];
  const word = (i: number) => {
    let out = '';
    for (let n = i + 3; n > 0; n = Math.floor(n / syllables.length)) out += syllables[n % syllables.length];
    return out;
  };
  const pick = () => word(Math.floor(random() ** 2 * 600));
  const text = (count: number) => Array.from({ length: count }, pick).join(' ');
  return { random, pick, text };
}

/** 1,500 documents, then every 7th removed and every 11th replaced: the removals not yet vacuumed. */
function corpus(): { miniSearch: MiniSearch<Doc>; live: Map<string, Doc> } {
  const { random, text } = generator(11);
  const miniSearch = newMiniSearch<Doc>();
  const live = new Map<string, Doc>();
  const doc = (i: number): Doc => ({
    id: `m${i}`,
    title: text(1 + Math.floor(random() * 4)),
    summary: random() < 0.3 ? text(5) : '',
    content: text(5 + Math.floor(random() * 40)),
    tags: random() < 0.5 ? text(2) : '',
  });
  const put = (document: Doc) => {
    if (live.has(document.id)) miniSearch.replace(document);
    else miniSearch.add(document);
    live.set(document.id, document);
  };
  for (let i = 0; i < 1500; i++) put(doc(i));
  for (let i = 0; i < 1500; i += 7) {
    miniSearch.discard(`m${i}`);
    live.delete(`m${i}`);
  }
  for (let i = 3; i < 1500; i += 11) if (live.has(`m${i}`)) put(doc(i));
  return { miniSearch, live };
}

/** Queries as a model sends them: common and rare words, pairs, repeats, cut-off words and typos. */
function queries(): string[] {
  const { random, pick } = generator(5);
  return Array.from({ length: 300 }, (_, i) => {
    const words = Array.from({ length: 1 + Math.floor(random() * 3) }, pick);
    if (i % 5 === 1) words[0] = words[0]!.slice(0, Math.max(2, words[0]!.length - 2));
    if (i % 5 === 2) words[0] = `${words[0]!.slice(0, 1)}x${words[0]!.slice(2)}`;
    if (i % 7 === 3) words.push(words[0]!);
    return words.join(' ');
  });
}

describe('TextScorer', () => {
  const fuzzyFor = (query: string) => {
    const long = new Set(tokenize(query).filter((term) => term.length >= 4));
    return (term: string) => (long.has(term) ? 0.2 : false);
  };

  it('scores every query as MiniSearch does: same hits, same order, same scores', async () => {
    const { miniSearch } = corpus();
    await miniSearch.vacuum();
    const scorer = new TextScorer(miniSearch, TEXT_SETTINGS);
    for (const query of queries()) {
      for (const fuzzy of [() => false as const, fuzzyFor(query)]) {
        const options: ScoreOptions = { fuzzy, needed: Number.POSITIVE_INFINITY };
        const scored = scorer.score(tokenize(query), options);
        const expected = miniSearch.search(query, { fuzzy });
        expect(scored.total).toBe(expected.length);
        expect(scored.hits.map((hit) => hit.id)).toEqual(expected.map((hit) => hit.id));
        scored.hits.forEach((hit, at) => {
          expect(hit.score).toBeCloseTo(expected[at]!.score, 9);
          expect(new Set(hit.queryTerms)).toEqual(new Set(expected[at]!.queryTerms));
          // A snippet finds each matched word through the query term it starts with, or as spelled.
          for (const word of expected[at]!.terms) {
            expect(hit.terms.some((term) => word === term || word.startsWith(term))).toBe(true);
          }
        });
        expect(new Set(scored.matchedTerms)).toEqual(new Set(expected.flatMap((hit) => hit.queryTerms)));
      }
    }
  });

  it('counts removed documents not yet vacuumed out for nothing, as if they had never been there', () => {
    const { miniSearch, live } = corpus();
    expect(miniSearch.dirtCount).toBeGreaterThan(0);
    const scorer = new TextScorer(miniSearch, TEXT_SETTINGS);
    const fresh = newMiniSearch<Doc>();
    fresh.addAll([...live.values()]);
    for (const query of queries()) {
      const options: ScoreOptions = {
        fuzzy: fuzzyFor(query),
        needed: Number.POSITIVE_INFINITY,
      };
      const scored = scorer.score(tokenize(query), options);
      const expected = new Map(
        fresh.search(query, { fuzzy: options.fuzzy }).map((hit) => [hit.id, hit.score]),
      );
      expect(scored.total).toBe(expected.size);
      for (const hit of scored.hits) expect(hit.score).toBeCloseTo(expected.get(hit.id)!, 9);
    }
  });

  it('filters as MiniSearch does, and returns every hit that can still make the page, few others', async () => {
    const { miniSearch } = corpus();
    await miniSearch.vacuum();
    const scorer = new TextScorer(miniSearch, TEXT_SETTINGS);
    const accept = (id: string) => Number(id.slice(1)) % 3 !== 0;
    // A caller that ranks by relevance scaled by a per-document weight from 2/3 to 1, in thousandths.
    const weight = (id: string) => 2 / 3 + (Number(id.slice(1)) % 10) / 30;
    const blend = (id: string, relevance: number) => Math.round(relevance * weight(id) * 1000) / 1000;
    let returned = 0;
    let matching = 0;
    for (const query of queries().slice(0, 150)) {
      const expected = miniSearch.search(query, { fuzzy: false, filter: (hit) => accept(hit.id) });
      const scored = scorer.score(tokenize(query), {
        fuzzy: () => false,
        accept,
        needed: 10,
        blend,
      });
      expect(scored.total).toBe(expected.length);
      const top = expected[0]?.score ?? 1;
      const page = expected
        .map((hit) => ({ id: hit.id, rank: blend(hit.id, hit.score / top) }))
        .sort((a, b) => b.rank - a.rank || (a.id < b.id ? -1 : 1))
        .slice(0, 10);
      const ids = new Set(scored.hits.map((hit) => hit.id));
      for (const { id } of page) expect(ids.has(id)).toBe(true);
      // Best first, as MiniSearch orders them.
      const order = expected.map((hit) => hit.id).filter((id) => ids.has(id));
      expect(scored.hits.map((hit) => hit.id)).toEqual(order);
      returned += scored.hits.length;
      matching += expected.length;
    }
    expect(returned).toBeLessThan(matching / 3);
  });

  it('leaves nothing behind for the next search when a callback throws', async () => {
    const { miniSearch } = corpus();
    await miniSearch.vacuum();
    const scorer = new TextScorer(miniSearch, TEXT_SETTINGS);
    const query = queries()[0]!;
    const options: ScoreOptions = { fuzzy: () => false, needed: 3 };
    const before = scorer.score(tokenize(query), options);
    expect(before.total).toBeGreaterThan(3);
    const failing = () => {
      throw new Error('broken filter');
    };
    expect(() => scorer.score(tokenize(query), { ...options, blend: failing })).toThrow('broken filter');
    expect(scorer.score(tokenize(query), options)).toEqual(before);
  });

  it('answers a word it does not know with nothing', () => {
    const scorer = new TextScorer(corpus().miniSearch, TEXT_SETTINGS);
    expect(scorer.score(['zzzz'], { fuzzy: () => false, needed: 10 })).toEqual({
      hits: [],
      total: 0,
      matchedTerms: [],
    });
  });
});
