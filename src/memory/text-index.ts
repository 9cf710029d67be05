/**
 * The full-text part of the search index: MiniSearch over title, summary, content and tags (BM25
 * with prefix and fuzzy matching and field boosts). Writes are queued and indexed as soon as the
 * event loop is free, so a create or an update answers without waiting for its text to be
 * tokenized; every query first indexes whatever is queued, so it sees every write made before it.
 */
import MiniSearch, { type SearchResult } from 'minisearch';
import type { Memory } from './types.js';

interface Doc {
  id: string;
  title: string;
  summary: string;
  content: string;
  tags: string;
}

const BOOST = { title: 3, tags: 2.5, summary: 2, content: 1 };
const FUZZY_MIN_CHARS = 4;
const FUZZINESS = 0.2;

export class TextIndex {
  private readonly miniSearch = new MiniSearch<Doc>({
    fields: ['title', 'summary', 'content', 'tags'],
    searchOptions: {
      boost: BOOST,
      prefix: (term) => term.length >= 3,
      maxFuzzy: 2,
      combineWith: 'OR',
    },
  });
  /** Work not done yet, by memory id, in order: the text to index, or null to drop it. */
  private readonly queued = new Map<string, Doc | null>();
  private scheduled: NodeJS.Immediate | undefined;

  put(memory: Memory): void {
    const { id, title, summary, content, tags } = memory;
    this.enqueue(id, { id, title, summary, content, tags: tags.join(' ') });
  }

  drop(id: string): void {
    this.enqueue(id, null);
  }

  clear(): void {
    this.queued.clear();
    this.miniSearch.removeAll();
  }

  /**
   * Exact and prefix matching first; fuzzy matching (the costly part at 10,000 memories) only for
   * the query terms that matched nothing, which is where a typo hides.
   */
  match(query: string, filter: ((hit: SearchResult) => boolean) | undefined): SearchResult[] {
    this.indexQueued();
    const exact = this.miniSearch.search(query, { filter, fuzzy: false });
    const terms = tokenize(query).filter((term) => term.length >= FUZZY_MIN_CHARS);
    const missing = new Set(terms);
    for (const hit of exact) {
      if (missing.size === 0) break;
      for (const term of hit.queryTerms) missing.delete(term);
    }
    if (missing.size === 0) return exact;
    return this.miniSearch.search(query, {
      filter,
      fuzzy: (term) => (missing.has(term) ? FUZZINESS : false),
    });
  }

  private enqueue(id: string, doc: Doc | null): void {
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

const defaultTokenize = MiniSearch.getDefault('tokenize') as (text: string) => string[];

/** The query's terms as MiniSearch indexes them (its default tokenizer, lowercased). */
function tokenize(query: string): string[] {
  return defaultTokenize(query)
    .map((term) => term.toLowerCase())
    .filter(Boolean);
}
