/** How many memories carry each key (a tag), so list_tags costs no pass over every memory. */
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
}
