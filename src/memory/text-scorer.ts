/**
 * Scores a query over MiniSearch's index exactly as MiniSearch 7.2's own search does (BM25 per
 * field with the field boosts; prefix and fuzzy expansions weighted as it weighs them; scores
 * summed per query term, then multiplied by how many query terms matched), but into typed
 * arrays, building a hit only for the documents that can still make the page. MiniSearch's own
 * search builds an object for every matching document and sorts them all: at 10,000 memories a
 * common word matches thousands, and that was most of a search's time.
 *
 * One difference: a document removed but not yet vacuumed out of the posting lists counts for
 * nothing here, where MiniSearch's own search counts it towards a term's frequency until it meets
 * it in a list (and then prunes it, so its answers shift from one search to the next).
 *
 * It reads MiniSearch's index structures, which are not its public API: package.json pins
 * minisearch to 7.2.x, and test/memory/text-scorer.test.ts holds its answers to MiniSearch's own.
 */
import type MiniSearch from 'minisearch';

/** term → field id → (short document id → term frequency) */
type FieldPostings = Map<number, Map<number, number>>;

interface TermIndex {
  get(term: string): FieldPostings | undefined;
  atPrefix(prefix: string): Iterable<[string, FieldPostings]>;
  fuzzyGet(term: string, maxDistance: number): Map<string, [FieldPostings, number]>;
}

/** The parts of a MiniSearch 7.2 instance read here. */
interface Internals {
  _index: TermIndex;
  _documentIds: Map<number, string>;
  _fieldIds: Record<string, number>;
  _fieldLength: Map<number, number[]>;
  _avgFieldLength: number[];
  _documentCount: number;
  _nextId: number;
}

export interface ScorerSettings {
  /** The indexed fields, in the order given to MiniSearch (scores are summed in that order). */
  fields: readonly string[];
  boost: Readonly<Record<string, number>>;
  prefix: (term: string) => boolean;
  /** The most edits a fuzzy expansion may make, whatever the fuzziness asks. */
  maxFuzzy: number;
}

export interface ScoreOptions {
  /** Per query term: the fuzziness to expand it with (as MiniSearch's `fuzzy`), or false. */
  fuzzy: (term: string) => number | false;
  accept?: ((id: string) => boolean) | undefined;
  /** How many of the best hits the caller needs. */
  needed: number;
  /**
   * What the caller will rank a hit by, given its relevance (its score over the best one's): never
   * above the relevance, and rounded to no coarser than BLEND_STEP. Without it, hits rank by score.
   */
  blend?: ((id: string, relevance: number) => number) | undefined;
}

export interface ScoredHit {
  id: string;
  score: number;
  /**
   * What a snippet looks for: the query terms that matched (the start of every word they matched),
   * and the fuzzy spellings through which this document matched.
   */
  readonly terms: string[];
  /** The query terms that matched. */
  queryTerms: string[];
}

export interface Scored {
  /** Best first: every hit that can still make the page (all of them when `needed` covers them). */
  hits: ScoredHit[];
  /** How many documents match (and are accepted). */
  total: number;
  /** The query terms that matched at least one accepted document. */
  matchedTerms: string[];
}

const BM25 = { k: 1.2, b: 0.7, d: 0.5 };
/** The finest rounding a blend may apply: a hit may rank that much above its unrounded blend. */
export const BLEND_STEP = 0.001;
/** How many of the best-scoring hits are blended to find the page's floor, per hit needed. */
const FLOOR_SAMPLE = 4;
const WEIGHTS = { fuzzy: 0.45, prefix: 0.375 };

interface Expansion {
  term: string;
  weight: number;
  postings: FieldPostings;
  fuzzy?: true;
}

export class TextScorer {
  private readonly index: Internals;
  private readonly miniSearch: MiniSearch<never> | MiniSearch<{ id: string }>;
  private readonly fields: [id: number, boost: number][];
  /** Per short document id: the score so far, this query term's share, and the query terms matched (a bit each). */
  private total = new Float64Array(0);
  private share = new Float64Array(0);
  private matched = new Uint32Array(0);

  constructor(
    miniSearch: MiniSearch<never> | MiniSearch<{ id: string }>,
    private readonly settings: ScorerSettings,
  ) {
    this.miniSearch = miniSearch;
    this.index = miniSearch as unknown as Internals;
    this.fields = settings.fields.map((field) => [this.index._fieldIds[field]!, settings.boost[field] ?? 1]);
  }

  /** The most distinct query terms scored here (one bit each); MiniSearch's own search takes more. */
  static readonly MAX_TERMS = 32;

  /** Scores the query's terms, as MiniSearch's tokenizer and term processing make them. */
  score(terms: readonly string[], options: ScoreOptions): Scored {
    const distinct = [...new Set(terms)];
    if (distinct.length > TextScorer.MAX_TERMS) throw new RangeError('too many distinct query terms');
    this.ensureCapacity(this.index._nextId);
    const touched: number[] = [];
    // Per distinct query term, its fuzzy expansions: the spellings a snippet looks for besides it.
    const fuzzyByTerm = distinct.map((): Expansion[] => []);
    // Removed documents still in the posting lists, until MiniSearch vacuums them out.
    const dirty = this.miniSearch.dirtCount > 0;
    try {
      for (const term of terms) {
        const expansions = this.expand(term, options);
        const at = distinct.indexOf(term);
        for (const expansion of expansions) if (expansion.fuzzy) fuzzyByTerm[at]!.push(expansion);
        this.addTerm(expansions, 1 << at, touched, dirty);
      }
      return this.collect(touched, distinct, fuzzyByTerm, options);
    } catch (error) {
      // A callback that threw (accept, blend) must not leave its scores to the next search.
      this.total.fill(0);
      this.share.fill(0);
      this.matched.fill(0);
      throw error;
    }
  }

  private ensureCapacity(size: number): void {
    if (this.total.length >= size) return;
    const capacity = Math.max(size, this.total.length * 2, 1024);
    this.total = new Float64Array(capacity);
    this.share = new Float64Array(capacity);
    this.matched = new Uint32Array(capacity);
  }

  /** The term itself, then its prefix expansions, then its fuzzy ones, in MiniSearch's order and weights. */
  private expand(term: string, options: ScoreOptions): Expansion[] {
    const expansions: Expansion[] = [];
    const exact = this.index._index.get(term);
    if (exact) expansions.push({ term, weight: 1, postings: exact });
    const fuzziness = options.fuzzy(term);
    let fuzzy: Map<string, [FieldPostings, number]> | undefined;
    if (fuzziness !== false) {
      const distance =
        fuzziness < 1 ? Math.min(this.settings.maxFuzzy, Math.round(term.length * fuzziness)) : fuzziness;
      if (distance) fuzzy = this.index._index.fuzzyGet(term, distance);
    }
    if (this.settings.prefix(term)) {
      for (const [expanded, postings] of this.index._index.atPrefix(term)) {
        const distance = expanded.length - term.length;
        if (!distance) continue;
        fuzzy?.delete(expanded);
        const weight = (WEIGHTS.prefix * expanded.length) / (expanded.length + 0.3 * distance);
        expansions.push({ term: expanded, weight, postings });
      }
    }
    for (const [expanded, [postings, distance]] of fuzzy ?? []) {
      if (!distance) continue;
      const weight = (WEIGHTS.fuzzy * expanded.length) / (expanded.length + distance);
      expansions.push({ term: expanded, weight, postings, fuzzy: true });
    }
    return expansions;
  }

  /** Adds one query term's BM25 over every expansion and field, then folds it into the totals. */
  private addTerm(expansions: readonly Expansion[], bit: number, touched: number[], dirty: boolean): void {
    const { _documentIds: live, _fieldLength: lengths, _avgFieldLength: averages } = this.index;
    const documents = this.index._documentCount;
    const { total, share, matched } = this;
    const shared: number[] = [];
    for (const { weight, postings } of expansions) {
      for (const [field, boost] of this.fields) {
        const frequencies = postings.get(field);
        if (!frequencies) continue;
        const idf = inverseFrequency(documents, dirty ? liveCount(frequencies, live) : frequencies.size);
        const average = averages[field]!;
        for (const [document, frequency] of frequencies) {
          if (dirty && !live.has(document)) continue;
          const length = lengths.get(document)![field]!;
          const bm25 =
            idf *
            (BM25.d +
              (frequency * (BM25.k + 1)) / (frequency + BM25.k * (1 - BM25.b + (BM25.b * length) / average)));
          if (share[document] === 0) shared.push(document);
          share[document] = share[document]! + weight * boost * bm25;
        }
      }
    }
    for (const document of shared) {
      if (matched[document] === 0) touched.push(document);
      total[document] = total[document]! + share[document]!;
      share[document] = 0;
      matched[document] = matched[document]! | bit;
    }
  }

  /**
   * The least score a hit needs to be able to rank into the page (0: every hit may). Blends never
   * raise a hit above its relevance, so the needed-th best blend among the best-scoring few is a
   * level the page's last hit reaches, and a hit whose relevance is below it cannot get in.
   */
  private pageFloor(accepted: readonly number[], { needed, blend }: ScoreOptions): number {
    if (needed >= accepted.length) return 0;
    const { total } = this;
    const sample = bestDocuments(accepted, total, blend ? Math.max(needed * FLOOR_SAMPLE, 40) : needed);
    if (!blend) return total[sample[needed - 1]!]!;
    const top = total[sample[0]!]!;
    const ids = this.index._documentIds;
    const blends = sample.map((document) => blend(ids.get(document)!, total[document]! / top));
    blends.sort((a, b) => b - a);
    return Math.max(0, blends[needed - 1]! - 2 * BLEND_STEP) * top;
  }

  /** Final scores, the accepted count, and hits for every document that can still make the page. */
  private collect(
    touched: readonly number[],
    distinct: readonly string[],
    fuzzyByTerm: readonly Expansion[][],
    options: ScoreOptions,
  ): Scored {
    const { total, matched } = this;
    const ids = this.index._documentIds;
    const accepted: number[] = [];
    let anyMatched = 0;
    const { accept } = options;
    for (const document of touched) {
      if (accept && !accept(ids.get(document)!)) {
        total[document] = 0;
        matched[document] = 0;
        continue;
      }
      total[document] = total[document]! * bitCount(matched[document]!);
      anyMatched |= matched[document]!;
      accepted.push(document);
    }
    const floor = this.pageFloor(accepted, options);
    const kept = floor > 0 ? accepted.filter((document) => total[document]! >= floor) : [...accepted];
    kept.sort((a, b) => total[b]! - total[a]!);
    const hits = kept.map((document): ScoredHit => {
      const bits = matched[document]!;
      const queryTerms = distinct.filter((_, at) => bits & (1 << at));
      let terms: string[] | undefined;
      return {
        id: ids.get(document)!,
        score: total[document]!,
        // Worked out only for the hits a page shows: a deep page keeps thousands that it does not.
        get terms() {
          terms ??= snippetTerms(document, distinct, bits, fuzzyByTerm);
          return terms;
        },
        queryTerms,
      };
    });
    for (const document of accepted) {
      total[document] = 0;
      matched[document] = 0;
    }
    const matchedTerms = distinct.filter((_, at) => anyMatched & (1 << at));
    return { hits, total: accepted.length, matchedTerms };
  }
}

function liveCount(frequencies: Map<number, number>, live: Map<number, string>): number {
  let count = 0;
  for (const document of frequencies.keys()) if (live.has(document)) count++;
  return count;
}

function inverseFrequency(documents: number, matching: number): number {
  return Math.log(1 + (documents - matching + 0.5) / (matching + 0.5));
}

function bitCount(bits: number): number {
  let count = 0;
  for (let rest = bits; rest; rest &= rest - 1) count++;
  return count;
}

/** The `count` best-scoring documents, best first. */
function bestDocuments(documents: readonly number[], scores: Float64Array, count: number): number[] {
  // A min-heap of the best so far: its root is the weakest of them.
  const heap: number[] = [];
  const below = (a: number, b: number) => scores[a]! < scores[b]!;
  for (const document of documents) {
    if (heap.length < count) {
      heap.push(document);
      for (let at = heap.length - 1; at > 0; ) {
        const parent = (at - 1) >> 1;
        if (!below(heap[at]!, heap[parent]!)) break;
        [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
        at = parent;
      }
    } else if (below(heap[0]!, document)) {
      heap[0] = document;
      for (let at = 0; ; ) {
        const left = 2 * at + 1;
        const right = left + 1;
        let least = at;
        if (left < heap.length && below(heap[left]!, heap[least]!)) least = left;
        if (right < heap.length && below(heap[right]!, heap[least]!)) least = right;
        if (least === at) break;
        [heap[least], heap[at]] = [heap[at]!, heap[least]!];
        at = least;
      }
    }
  }
  return heap.sort((a, b) => scores[b]! - scores[a]!);
}

/** A hit's query terms, and the fuzzy spellings of them that its own text holds. */
function snippetTerms(
  document: number,
  distinct: readonly string[],
  bits: number,
  fuzzyByTerm: readonly Expansion[][],
): string[] {
  const terms = new Set<string>();
  distinct.forEach((term, at) => {
    if (!(bits & (1 << at))) return;
    terms.add(term);
    for (const { term: spelling, postings } of fuzzyByTerm[at]!) {
      for (const frequencies of postings.values()) {
        if (frequencies.has(document)) terms.add(spelling);
      }
    }
  });
  return [...terms];
}
