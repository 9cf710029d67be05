/**
 * Counts kept beside the search index: how many memories use each word (so a new memory can be
 * compared with others through its rarest words, whose posting lists are short) and each tag (so
 * list_tags costs no pass over every memory), and the word-set similarity that decides what
 * counts as "similar".
 */

export function wordSet(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}

/** How many memories carry each key (a word, a tag); each memory counts once per key. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(keys: Iterable<string>): void {
    for (const key of new Set(keys)) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  remove(keys: Iterable<string>): void {
    for (const key of new Set(keys)) {
      const count = (this.counts.get(key) ?? 0) - 1;
      if (count > 0) this.counts.set(key, count);
      else this.counts.delete(key);
    }
  }

  clear(): void {
    this.counts.clear();
  }

  entries(): IterableIterator<[string, number]> {
    return this.counts.entries();
  }

  /**
   * Up to `count` of `keys` that the fewest memories carry, leaving out keys carried by more than
   * `maxCount` (their posting lists are long and say little); at least the rarest one if any is
   * known. Unknown keys are left out: they match nothing.
   */
  rarest(keys: Iterable<string>, count: number, maxCount: number): string[] {
    const known = [...keys]
      .filter((key) => this.counts.has(key))
      .sort((a, b) => this.counts.get(a)! - this.counts.get(b)! || (a < b ? -1 : 1));
    const selective = known.filter((key) => this.counts.get(key)! <= maxCount).slice(0, count);
    return selective.length > 0 ? selective : known.slice(0, 1);
  }
}
