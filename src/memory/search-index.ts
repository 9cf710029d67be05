/**
 * The in-memory index over decrypted memories: full-text matches (text-index.ts) blended with
 * importance and recency, filters, and most-recent listings. It also keeps the content
 * fingerprints used to spot identical memories, so dedup costs no round trip, finds
 * near-duplicates, and counts tags.
 */
import { NearDuplicates } from './near-duplicates.js';
import { Tally } from './tally.js';
import { TextIndex } from './text-index.js';
import type { ScoredHit } from './text-scorer.js';
import type { Memory } from './types.js';

export interface SearchFilters {
  tags?: readonly string[] | undefined;
  minImportance?: number | undefined;
  source?: string | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

export interface Found {
  ranked: Ranked[];
  total: number;
}

export interface Ranked {
  memory: Memory;
  /** Relevance blended with importance and recency, 0–1; null for a plain most-recent listing. */
  score: number | null;
  /** What the snippet looks for: the query terms that matched, and their fuzzy spellings. */
  terms: string[];
}

const RECENCY_HALF_LIFE_DAYS = 90;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * Recency is measured from the start of the hour, so the order, and with it every page a cursor
 * points into, stays the same between calls.
 */
function recencyHour(now: number): number {
  return Math.floor(now / HOUR_MS) * HOUR_MS;
}

export class SearchIndex {
  private readonly memories = new Map<string, Memory>();
  private readonly fingerprintToId = new Map<string, string>();
  private readonly idToFingerprint = new Map<string, string>();
  /** updated_at as a number, parsed once per write rather than once per hit per search. */
  private readonly updatedMs = new Map<string, number>();
  /** See boost(): per memory, for the hour in boostHour. */
  private readonly boosts = new Map<string, number>();
  private boostHour = 0;
  private readonly nearDuplicates = new NearDuplicates();
  private readonly tags = new Tally();
  private readonly text = new TextIndex();

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
    // Re-reading a memory that has not changed (every eager sync of this process's own writes)
    // skips re-indexing. Every indexed field is compared: timestamps alone may have one-second
    // precision on Memoram, so an update within the second would otherwise go unseen.
    if (known && sameIndexedFields(known, memory)) {
      this.memories.set(memory.id, memory);
      return;
    }
    this.text.put(memory);
    if (known) this.tags.remove(known.tags);
    this.tags.add(memory.tags);
    if (memory.unreadable) this.nearDuplicates.remove(memory.id);
    else this.nearDuplicates.add(memory.id, memory.content);
    this.memories.set(memory.id, memory);
    this.updatedMs.set(memory.id, Date.parse(memory.updated_at));
    this.boosts.delete(memory.id);
    this.forgetFingerprint(memory.id);
    if (!memory.unreadable) {
      const fingerprint = this.fingerprintOf(memory.content);
      this.fingerprintToId.set(fingerprint, memory.id);
      this.idToFingerprint.set(memory.id, fingerprint);
    }
  }

  remove(id: string): void {
    const known = this.memories.get(id);
    if (!known) return;
    this.memories.delete(id);
    this.nearDuplicates.remove(id);
    this.tags.remove(known.tags);
    this.updatedMs.delete(id);
    this.boosts.delete(id);
    this.text.drop(id);
    this.forgetFingerprint(id);
  }

  clear(): void {
    this.memories.clear();
    this.updatedMs.clear();
    this.boosts.clear();
    this.nearDuplicates.clear();
    this.tags.clear();
    this.fingerprintToId.clear();
    this.idToFingerprint.clear();
    this.text.clear();
  }

  private forgetFingerprint(id: string): void {
    const old = this.idToFingerprint.get(id);
    if (old === undefined) return;
    this.idToFingerprint.delete(id);
    if (this.fingerprintToId.get(old) === id) this.fingerprintToId.delete(old);
  }

  /**
   * The best `needed` matches, best first, and how many there are in all; an empty query lists
   * matching memories newest first.
   */
  search(query: string, filters: SearchFilters, now = Date.now(), needed = Number.POSITIVE_INFINITY): Found {
    const accept = compileFilters(filters);
    if (query.trim() === '') {
      // Reversed insertion order first, so that a stable sort lists same-millisecond writes newest first.
      const recent = [...this.memories.values()].reverse().filter((memory) => accept?.(memory) ?? true);
      recent.sort((a, b) => this.updatedMs.get(b.id)! - this.updatedMs.get(a.id)!);
      return {
        ranked: recent.slice(0, needed).map((memory) => ({ memory, score: null, terms: [] })),
        total: recent.length,
      };
    }
    // Without filters the scorer gets no filter callback at all: it would run once per hit, thousands of times.
    const hour = recencyHour(now);
    const { hits, total } = this.text.match(query, {
      accept: accept && ((id) => accept(this.memories.get(id)!)),
      needed,
      blend: (id, relevance) => this.blend(id, relevance, hour),
    });
    return { ranked: this.rank(hits, hour, needed), total };
  }

  /**
   * Blends relevance (BM25, relative to the best hit) with importance and recency. The blend never
   * raises a hit above its relevance, and hits come in falling relevance: once the top `needed`
   * are filled, the first hit whose relevance is below the last of them ends the scan, since no hit
   * after it can rank higher. A common word's thousands of hits are mostly never scored.
   */
  private rank(hits: readonly ScoredHit[], hour: number, needed: number): Ranked[] {
    const top = hits[0]?.score ?? 1;
    const everything = needed >= hits.length;
    const best: Ranked[] = []; // the top `needed` so far, best first (or every hit, sorted at the end)
    for (const hit of hits) {
      const relevance = hit.score / top;
      const full = !everything && best.length >= needed;
      if (full && Math.round(relevance * 1000) / 1000 < best[needed - 1]!.score!) break;
      const score = this.blend(hit.id, relevance, hour);
      const last = full ? best[needed - 1]! : undefined;
      if (last && !(score > last.score! || (score === last.score && hit.id < last.memory.id))) continue;
      const ranked = { memory: this.memories.get(hit.id)!, score, terms: hit.terms };
      if (everything) best.push(ranked);
      else insertRanked(best, ranked, needed);
    }
    return everything ? best.sort((a, b) => (ranksAbove(a, b) ? -1 : 1)) : best;
  }

  /**
   * The score a hit ranks by: its relevance scaled by boost(), rounded to thousandths (the
   * scorer's BLEND_STEP), so float noise (e.g. after the index vacuums) cannot reorder ties.
   */
  private blend(id: string, relevance: number, hour: number): number {
    return Math.round(relevance * this.boost(id, hour) * 1000) / 1000;
  }

  /**
   * A memory's share of its relevance, from 2/3 to all of it: more for important and recent ones.
   * Cached per memory for the hour recency is measured from (upserts drop their entry).
   */
  private boost(id: string, hour: number): number {
    if (hour !== this.boostHour) {
      this.boosts.clear();
      this.boostHour = hour;
    }
    let boost = this.boosts.get(id);
    if (boost === undefined) {
      const memory = this.memories.get(id)!;
      const ageDays = Math.max(0, hour - (this.updatedMs.get(id) ?? hour)) / DAY_MS;
      const recency = 0.5 ** (ageDays / RECENCY_HALF_LIFE_DAYS);
      const importance = Math.min(1, Math.max(0, memory.importance ?? 0.5)); // Memoram's scale is not pinned down
      boost = (1 + 0.3 * importance + 0.2 * recency) / 1.5;
      this.boosts.set(id, boost);
    }
    return boost;
  }

  /** Up to five memories whose wording overlaps heavily with `content` (word-set Jaccard ≥ threshold), most alike first. */
  similarTo(content: string, excludeId?: string, threshold = 0.6): Memory[] {
    return this.nearDuplicates
      .find(content, threshold)
      .filter(({ id }) => id !== excludeId)
      .slice(0, 5)
      .map(({ id }) => this.memories.get(id)!);
  }

  /** How many memories carry each tag. */
  tagCounts(): IterableIterator<[string, number]> {
    return this.tags.entries();
  }

  all(): IterableIterator<Memory> {
    return this.memories.values();
  }
}

function sameIndexedFields(a: Memory, b: Memory): boolean {
  return (
    a.updated_at === b.updated_at &&
    a.content === b.content &&
    a.title === b.title &&
    a.summary === b.summary &&
    a.tags.length === b.tags.length &&
    a.tags.every((tag, at) => tag === b.tags[at])
  );
}

/** Ranked order: higher score first, then id, so equal scores keep one order between calls. */
function ranksAbove(a: Ranked, b: Ranked): boolean {
  return a.score! > b.score! || (a.score === b.score && a.memory.id < b.memory.id);
}

/** Inserts into a list kept sorted and no longer than `limit`; most hits fall off the end at once. */
function insertRanked(list: Ranked[], item: Ranked, limit: number): void {
  if (list.length >= limit && !ranksAbove(item, list[list.length - 1]!)) return;
  let at = list.length;
  while (at > 0 && ranksAbove(item, list[at - 1]!)) at--;
  list.splice(at, 0, item);
  if (list.length > limit) list.pop();
}

function compileFilters(filters: SearchFilters): ((memory: Memory) => boolean) | undefined {
  const tags =
    filters.tags && filters.tags.length > 0 ? new Set(filters.tags.map((t) => t.toLowerCase())) : undefined;
  const after = filters.createdAfter ? Date.parse(filters.createdAfter) : undefined;
  const before = filters.createdBefore ? Date.parse(filters.createdBefore) : undefined;
  const none =
    !tags &&
    filters.minImportance === undefined &&
    filters.source === undefined &&
    after === undefined &&
    before === undefined;
  if (none) return undefined;
  return (memory) => {
    if (tags && !memory.tags.some((tag) => tags.has(tag.toLowerCase()))) return false;
    if (filters.minImportance !== undefined && (memory.importance ?? 0.5) < filters.minImportance)
      return false;
    if (filters.source !== undefined && memory.source !== filters.source) return false;
    if (after === undefined && before === undefined) return true;
    const created = Date.parse(memory.created_at);
    if (after !== undefined && !(created >= after)) return false;
    if (before !== undefined && !(created < before)) return false;
    return true;
  };
}
