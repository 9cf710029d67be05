/**
 * The full-text part of the search index: MiniSearch over title, summary, content and tags (BM25
 * with prefix and fuzzy matching and field boosts), scored by text-scorer.ts. Writes are queued
 * and indexed as soon as the event loop is free, so a create or an update answers without waiting
 * for its text to be tokenized; every query first indexes whatever is queued, so it sees every
 * write made before it.
 */
import MiniSearch from 'minisearch';
import { type Scored, type ScoreOptions, TextScorer } from './text-scorer.js';
import type { Memory } from './types.js';

/** What MiniSearch indexes of a memory: its text fields, tags joined by spaces. */
export interface TextDoc {
  id: string;
  title: string;
  summary: string;
  content: string;
  tags: string;
}

/** How the text is indexed and scored (exported for the scorer's tests). */
export const TEXT_SETTINGS = {
  fields: ['title', 'summary', 'content', 'tags'],
  boost: { title: 3, tags: 2.5, summary: 2, content: 1 },
  prefix: (term: string) => term.length >= 3,
  maxFuzzy: 2,
};
const FUZZY_MIN_CHARS = 4;
const FUZZINESS = 0.2;

export type MatchOptions = Pick<ScoreOptions, 'accept' | 'needed' | 'blend'>;
type Fuzzy = ScoreOptions['fuzzy'];

export class TextIndex {
  private miniSearch = newMiniSearch<TextDoc>();
  private scorer = new TextScorer(this.miniSearch, TEXT_SETTINGS);
  /** Work not done yet, by memory id, in order: the text to index, or null to drop it. */
  private readonly queued = new Map<string, TextDoc | null>();
  private scheduled: NodeJS.Immediate | undefined;

  put(memory: Memory): void {
    const { id, title, summary, content, tags } = memory;
    this.enqueue(id, { id, title, summary, content, tags: tags.join(' ') });
  }

  drop(id: string): void {
    this.enqueue(id, null);
  }

  /** Starts over with a new, empty index (MiniSearch's removeAll would keep counting removals not vacuumed). */
  clear(): void {
    this.queued.clear();
    this.miniSearch = newMiniSearch<TextDoc>();
    this.scorer = new TextScorer(this.miniSearch, TEXT_SETTINGS);
  }

  /**
   * Exact and prefix matching first; fuzzy matching (the costly part at 10,000 memories) only for
   * the query terms that matched nothing, which is where a typo hides.
   */
  match(query: string, options: MatchOptions): Scored {
    this.indexQueued();
    const terms = tokenize(query);
    const score =
      new Set(terms).size > TextScorer.MAX_TERMS
        ? (fuzzy: Fuzzy) => this.scoreLongQuery(query, fuzzy, options)
        : (fuzzy: Fuzzy) => this.scorer.score(terms, { ...options, fuzzy });
    const exact = score(() => false);
    const missing = new Set(terms.filter((term) => term.length >= FUZZY_MIN_CHARS));
    for (const term of exact.matchedTerms) missing.delete(term);
    if (missing.size === 0) return exact;
    return score((term) => (missing.has(term) ? FUZZINESS : false));
  }

  /** A query of more distinct words than the scorer takes: MiniSearch's own search, every hit. */
  private scoreLongQuery(query: string, fuzzy: Fuzzy, { accept }: MatchOptions): Scored {
    const filter = accept && ((hit: { id: string }) => accept(hit.id));
    const hits = this.miniSearch.search(query, { filter, fuzzy });
    return { hits, total: hits.length, matchedTerms: [...new Set(hits.flatMap((hit) => hit.queryTerms))] };
  }

  private enqueue(id: string, doc: TextDoc | null): void {
    this.queued.delete(id); // to the back of the queue, after whatever was queued meanwhile
    this.queued.set(id, doc);
    // Unreferenced: queued text is worth indexing only for a query, and none comes to a process that is exiting.
    this.scheduled ??= setImmediate(() => {
      this.scheduled = undefined;
      try {
        this.indexQueued();
      } catch {
        // What failed stays queued: the next query indexes it again and reports the error.
      }
    }).unref();
  }

  private indexQueued(): void {
    for (const [id, doc] of this.queued) {
      if (doc === null) {
        if (this.miniSearch.has(id)) this.miniSearch.discard(id);
      } else if (this.miniSearch.has(id)) this.miniSearch.replace(doc);
      else this.miniSearch.add(doc);
      this.queued.delete(id);
    }
  }
}

/** A MiniSearch over TEXT_SETTINGS, whose own search scores as TextScorer does. */
export function newMiniSearch<T extends { id: string }>(): MiniSearch<T> {
  const { fields, boost, prefix, maxFuzzy } = TEXT_SETTINGS;
  return new MiniSearch<T>({ fields, searchOptions: { boost, prefix, maxFuzzy, combineWith: 'OR' } });
}

const defaultTokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The query's terms as MiniSearch indexes them (its default tokenizer, lowercased). */
export function tokenize(query: string): string[] {
  return defaultTokenize(query)
    .map((term) => term.toLowerCase())
    .filter(Boolean);
}
