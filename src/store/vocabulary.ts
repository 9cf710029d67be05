/**
 * Lookups in the index's own vocabulary (the fts5vocab table): the words a prefix may complete
 * to, and, for a word that matches nothing, the indexed words one or two edits away. Both read a
 * bounded slice of the vocabulary (one prefix range), so their cost does not grow with the store.
 */
import type Database from 'better-sqlite3-multiple-ciphers';

/** A prefix completes to at most this many words (in vocabulary order). */
const COMPLETIONS = 8;
/** Words read per typo lookup: those sharing the first two letters, in vocabulary order. */
const TYPO_SCAN = 2000;
const TYPO_MATCHES = 3;

type Sql = (text: string) => Database.Statement;

/** The first string after every string starting with `prefix`. */
function after(prefix: string): string {
  const last = prefix.codePointAt(prefix.length - 1)!;
  return `${prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1))}${String.fromCodePoint(last + 1)}`;
}

export function completions(sql: Sql, prefix: string): string[] {
  return sql(`SELECT term FROM memories_vocab WHERE term > ? AND term < ? LIMIT ${COMPLETIONS}`)
    .pluck()
    .all(prefix, after(prefix)) as string[];
}

/**
 * Indexed words close to `word`: edit distance 1 for words up to five letters, 2 beyond, with the
 * same first two letters (typos rarely start a word). Vocabulary words are stems ("garden" for
 * "gardening"), so common endings come off the word before comparing.
 */
export function closeWords(sql: Sql, word: string): string[] {
  if (word.length < 4) return [];
  const head = word.slice(0, 2);
  const forms = new Set([word, withoutEnding(word)]);
  const limit = word.length <= 5 ? 1 : 2;
  const rows = sql(`SELECT term, doc FROM memories_vocab WHERE term >= ? AND term < ? LIMIT ${TYPO_SCAN}`)
    .raw()
    .all(head, after(head)) as [string, number][];
  const found: { term: string; distance: number; docs: number }[] = [];
  for (const [term, docs] of rows) {
    if (Math.abs(term.length - word.length) > limit + 3) continue;
    let best = limit + 1;
    for (const form of forms) best = Math.min(best, distance(form, term, limit));
    if (best <= limit) found.push({ term, distance: best, docs });
  }
  return found
    .sort((a, b) => a.distance - b.distance || b.docs - a.docs)
    .slice(0, TYPO_MATCHES)
    .map(({ term }) => term);
}

/** A word without its commonest English ending: near enough a stem to compare words by. */
export function withoutEnding(word: string): string {
  return word.replace(/(ing|ed|es|s|ly)$/, '');
}

/** Optimal-string-alignment distance (a swap of neighbours is one edit), or limit + 1 past it. */
export function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, before[j - 2]! + 1);
      }
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    before = previous;
    previous = current;
  }
  return Math.min(previous[b.length]!, limit + 1);
}
