/**
 * The in-memory full-text index over decrypted memories: MiniSearch (BM25 with prefix and fuzzy
 * matching and field boosts), blended with importance and recency. It also keeps the content
 * fingerprints used to spot identical memories, so dedup costs no round trip.
 */
import MiniSearch from 'minisearch';
import type { Memory } from './types.js';

export interface SearchFilters {
  tags?: readonly string[] | undefined;
  minImportance?: number | undefined;
  source?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

export interface Ranked {
  memory: Memory;
  /** Relevance blended with importance and recency, 0–1; null for a plain most-recent listing. */
  score: number | null;
  /** The query terms that matched, for snippets. */
  terms: string[];
}

interface Doc {
  id: string;
  title: string;
  summary: string;
  content: string;
  tags: string;
}

const BOOST = { title: 3, tags: 2.5, summary: 2, content: 1 };
const RECENCY_HALF_LIFE_DAYS = 90;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export class SearchIndex {
  private readonly memories = new Map<string, Memory>();
  private readonly fingerprintToId = new Map<string, string>();
  private readonly idToFingerprint = new Map<string, string>();
  private readonly index = new MiniSearch<Doc>({
    fields: ['title', 'summary', 'content', 'tags'],
    searchOptions: {
      boost: BOOST,
      prefix: (term) => term.length >= 3,
      fuzzy: (term) => (term.length >= 5 ? 0.2 : false),
      maxFuzzy: 2,
      combineWith: 'OR',
    },
  });

  constructor(private readonly fingerprintOf: (content: string) => string) {}

  get size(): number {
    return this.memories.size;
  }

  get(id: string): Memory | undefined {
    return this.memories.get(id);
  }

  idForFingerprint(fingerprint: string): string | undefined {
    return this.fingerprintToId.get(fingerprint);
  }

  upsert(memory: Memory): void {
    const known = this.memories.get(memory.id);
    if (known && known.updated_at === memory.updated_at && known.content === memory.content) {
      this.memories.set(memory.id, memory);
      return;
    }
    const doc: Doc = {
      id: memory.id,
      title: memory.title,
      summary: memory.summary,
      content: memory.content,
      tags: memory.tags.join(' '),
    };
    if (this.index.has(memory.id)) this.index.replace(doc);
    else this.index.add(doc);
    this.memories.set(memory.id, memory);
    this.forgetFingerprint(memory.id);
    if (!memory.unreadable) {
      const fingerprint = this.fingerprintOf(memory.content);
      this.fingerprintToId.set(fingerprint, memory.id);
      this.idToFingerprint.set(memory.id, fingerprint);
    }
  }

  remove(id: string): void {
    if (!this.memories.delete(id)) return;
    this.index.discard(id);
    this.forgetFingerprint(id);
  }

  clear(): void {
    this.memories.clear();
    this.fingerprintToId.clear();
    this.idToFingerprint.clear();
    this.index.removeAll();
  }

  private forgetFingerprint(id: string): void {
    const old = this.idToFingerprint.get(id);
    if (old === undefined) return;
    this.idToFingerprint.delete(id);
    if (this.fingerprintToId.get(old) === id) this.fingerprintToId.delete(old);
  }

  /** Every match, best first; an empty query lists matching memories newest first. */
  search(query: string, filters: SearchFilters, now = Date.now()): Ranked[] {
    const accept = compileFilters(filters);
    if (query.trim() === '') {
      // Reversed insertion order first, so that a stable sort lists same-millisecond writes newest first.
      return [...this.memories.values()]
        .reverse()
        .filter(accept)
        .sort((a, b) => (b.updated_at < a.updated_at ? -1 : b.updated_at > a.updated_at ? 1 : 0))
        .map((memory) => ({ memory, score: null, terms: [] }));
    }
    const hits = this.index.search(query, { filter: (hit) => accept(this.memories.get(hit.id)!) });
    const top = hits[0]?.score ?? 1;
    // Recency is measured from the start of the hour, so the order, and with it every page a
    // cursor points into, stays the same between calls.
    const hour = Math.floor(now / HOUR_MS) * HOUR_MS;
    return hits
      .map((hit) => {
        const memory = this.memories.get(hit.id)!;
        const relevance = hit.score / top;
        const importance = memory.importance ?? 0.5;
        const ageDays = Math.max(0, hour - Date.parse(memory.updated_at)) / DAY_MS;
        const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
        const score = (relevance * (1 + 0.3 * importance + 0.2 * recency)) / 1.5;
        // Rounded before sorting, so float noise (e.g. after the index vacuums) cannot reorder ties.
        return { memory, score: Math.round(score * 1000) / 1000, terms: hit.terms };
      })
      .sort((a, b) => b.score - a.score || (a.memory.id < b.memory.id ? -1 : 1));
  }

  /** Memories whose wording overlaps heavily with `content` (word-set Jaccard ≥ threshold). */
  similarTo(content: string, excludeId?: string, threshold = 0.6): Memory[] {
    const words = wordSet(content);
    if (words.size === 0) return [];
    const candidates = this.index.search([...words].slice(0, 64).join(' '), { prefix: false, fuzzy: false });
    const similar: Memory[] = [];
    for (const hit of candidates.slice(0, 10)) {
      const memory = this.memories.get(hit.id)!;
      if (memory.id === excludeId || memory.unreadable) continue;
      if (jaccard(words, wordSet(memory.content)) >= threshold) similar.push(memory);
    }
    return similar.slice(0, 5);
  }

  all(): IterableIterator<Memory> {
    return this.memories.values();
  }
}

function compileFilters(filters: SearchFilters): (memory: Memory) => boolean {
  const tags =
    filters.tags && filters.tags.length > 0 ? new Set(filters.tags.map((t) => t.toLowerCase())) : undefined;
  const after = filters.createdAfter ? Date.parse(filters.createdAfter) : undefined;
  const before = filters.createdBefore ? Date.parse(filters.createdBefore) : undefined;
  return (memory) => {
    if (tags && !memory.tags.some((tag) => tags.has(tag.toLowerCase()))) return false;
    if (filters.minImportance !== undefined && (memory.importance ?? 0.5) < filters.minImportance)
      return false;
    if (filters.source !== undefined && memory.source !== filters.source) return false;
    const created = Date.parse(memory.created_at);
    if (after !== undefined && !(created >= after)) return false;
    if (before !== undefined && !(created < before)) return false;
    return true;
  };
}

function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}
