/**
 * Word statistics for finding near-duplicate memories: how many memories use each word, so a new
 * memory can be compared using its rarest words (short posting lists, cheap to look up even at
 * 10,000 memories), and the word-set similarity that decides what counts as "similar".
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

export class WordFrequencies {
  private readonly documents = new Map<string, number>();

  add(text: string): void {
    for (const word of wordSet(text)) this.documents.set(word, (this.documents.get(word) ?? 0) + 1);
  }

  remove(text: string): void {
    for (const word of wordSet(text)) {
      const count = (this.documents.get(word) ?? 0) - 1;
      if (count > 0) this.documents.set(word, count);
      else this.documents.delete(word);
    }
  }

  clear(): void {
    this.documents.clear();
  }

  /** The `count` words of `words` that the fewest memories use (unknown words are useless probes). */
  rarest(words: Iterable<string>, count: number): string[] {
    return [...words]
      .filter((word) => this.documents.has(word))
      .sort((a, b) => this.documents.get(a)! - this.documents.get(b)! || (a < b ? -1 : 1))
      .slice(0, count);
  }
}
