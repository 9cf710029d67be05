/**
 * Finds memories whose wording overlaps heavily with a new one (word-set Jaccard ≥ a threshold),
 * in time that does not grow with the number of memories: MinHash with locality-sensitive hashing.
 *
 * Each memory's word set gets BANDS × ROWS min-hashes; each band of ROWS of them hashes to one
 * bucket key. Two memories land in the same bucket of a band with probability J^ROWS (J their
 * Jaccard), so with 20 bands of 4 rows a pair at J = 0.6 shares some bucket 94% of the time, at
 * J = 0.7 99.2%, at J = 0.8 99.99%; a pair at J = 0.2 only 3% of the time. Only the memories in
 * a new one's buckets are compared, exactly, through sorted word hashes. The hashes are fixed, so
 * the same two texts always get the same answer.
 */
const BANDS = 20;
const ROWS = 4;
const SEEDS = Uint32Array.from({ length: BANDS * ROWS }, (_, i) => mix(Math.imul(i + 1, 0x9e3779b1)));

interface Signature {
  /** The word set as sorted 32-bit hashes, for an exact Jaccard. */
  words: Uint32Array;
  /** One bucket key per band. */
  buckets: Uint32Array;
}

export interface NearDuplicate {
  id: string;
  jaccard: number;
}

export class NearDuplicates {
  private readonly signatures = new Map<string, Signature>();
  private readonly bands = Array.from({ length: BANDS }, () => new Map<number, string[]>());
  /** The last text signed: a create looks for its near-duplicates, then adds itself, with the same text. */
  private last: { content: string; signature: Signature | undefined } | undefined;

  add(id: string, content: string): void {
    this.remove(id);
    const signature = this.sign(content);
    if (!signature) return;
    this.signatures.set(id, signature);
    signature.buckets.forEach((key, band) => {
      const ids = this.bands[band]!.get(key);
      if (ids) ids.push(id);
      else this.bands[band]!.set(key, [id]);
    });
  }

  remove(id: string): void {
    const signature = this.signatures.get(id);
    if (!signature) return;
    this.signatures.delete(id);
    signature.buckets.forEach((key, band) => {
      const ids = this.bands[band]!.get(key)!;
      if (ids.length === 1) this.bands[band]!.delete(key);
      else ids.splice(ids.indexOf(id), 1);
    });
  }

  clear(): void {
    this.signatures.clear();
    for (const band of this.bands) band.clear();
  }

  /** The memories at Jaccard ≥ `threshold` from `content`, most alike first (then by id). */
  find(content: string, threshold: number): NearDuplicate[] {
    const signature = this.sign(content);
    if (!signature) return [];
    const seen = new Set<string>();
    const found: NearDuplicate[] = [];
    signature.buckets.forEach((key, band) => {
      for (const id of this.bands[band]!.get(key) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        const score = jaccard(signature.words, this.signatures.get(id)!.words);
        if (score >= threshold) found.push({ id, jaccard: score });
      }
    });
    return found.sort((a, b) => b.jaccard - a.jaccard || (a.id < b.id ? -1 : 1));
  }

  private sign(content: string): Signature | undefined {
    if (this.last?.content !== content) this.last = { content, signature: sign(content) };
    return this.last.signature;
  }
}

function sign(content: string): Signature | undefined {
  const words = Uint32Array.from(wordSet(content), hashWord).sort();
  if (words.length === 0) return undefined;
  const minima = new Uint32Array(BANDS * ROWS).fill(0xffffffff);
  for (const word of words) {
    for (let i = 0; i < minima.length; i++) {
      const value = mix(word ^ SEEDS[i]!);
      if (value < minima[i]!) minima[i] = value;
    }
  }
  const buckets = new Uint32Array(BANDS);
  for (let band = 0; band < BANDS; band++) {
    let key = band;
    for (let row = 0; row < ROWS; row++) key = mix(key ^ minima[band * ROWS + row]!);
    buckets[band] = key;
  }
  return { words, buckets };
}

/** Jaccard of two sorted hash sets. */
function jaccard(a: Uint32Array, b: Uint32Array): number {
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

/** The distinct words of a text, lowercased: letters and digits in any script. */
function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** FNV-1a over the UTF-16 code units. */
function hashWord(word: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), 0x01000193);
  return mix(hash);
}

/** MurmurHash3's finaliser: spreads every input bit over the whole 32-bit output. */
function mix(value: number): number {
  let h = value;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
