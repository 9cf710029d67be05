/**
 * Turns what a person or a model typed into FTS5 terms that cannot be misread as FTS5 syntax:
 * quoted phrases stay phrases, every other word becomes its own quoted string, stop words go
 * (unless nothing else is left), CJK runs become bigram phrases on the `cjk` column, and the last
 * word, unless followed by a space, also matches as a prefix. `"`, `*`, `NEAR`, `AND`, `OR`, `-`,
 * `^` and `column:` are only ever text here.
 */
import { bigrams, cjkRuns, hasCjk } from './cjk.js';
import { STOP_WORDS } from './stop-words.js';

export interface QueryTerm {
  /** An FTS5 query matching this term alone. */
  expr: string;
  /** The single word it came from, lowercased without diacritics: for prefixes and typos. */
  word?: string;
  /** Expand to the words that start with it (the last word of the query). */
  prefix?: boolean;
  /** The CJK run it came from, for the snippet to find. */
  run?: string;
}

/** A query's terms are looked up one by one: past this many, the rest only add noise and cost. */
export const MAX_TERMS = 12;
/** Words read from a query: noise or a long question may bury the words that match past MAX_TERMS. */
export const MAX_PARSED = 250;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

export function quote(text: string): string {
  return `"${text.replaceAll('"', '""')}"`;
}

/** Lowercased, diacritics removed: the form the tokenizer compares and vocabulary terms have. */
export function fold(word: string): string {
  // Plain ASCII, the common case, has nothing to decompose.
  if (!/[^ -~]/.test(word)) return word.toLowerCase();
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
}

function wordsOf(text: string): string[] {
  return text.match(WORD) ?? [];
}

export function parseQuery(query: string): QueryTerm[] {
  const text = query.normalize('NFKC');
  const terms: QueryTerm[] = [];
  const seen = new Set<string>();
  const add = (term: QueryTerm) => {
    if (seen.has(term.expr) || terms.length >= MAX_PARSED) return;
    seen.add(term.expr);
    terms.push(term);
  };
  const loose: string[] = [];
  // Quoted phrases come out first; an unmatched quote is just punctuation.
  const rest = text.replace(/"([^"]*)"/g, (_match, phrase: string) => {
    const words = wordsOf(phrase).filter((word) => !hasCjk(word));
    if (words.length > 1) add({ expr: quote(words.join(' ').toLowerCase()) });
    else loose.push(...words);
    for (const run of cjkRuns(phrase)) add(cjkTerm(run));
    return ' ';
  });
  for (const run of cjkRuns(rest)) add(cjkTerm(run));
  const words = [
    ...loose,
    ...wordsOf(rest).flatMap((word) =>
      word.split(/[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/u),
    ),
  ]
    .map((word) => word.toLowerCase())
    .filter((word) => word.length > 0);
  const kept = words.filter((word) => !STOP_WORDS.has(word));
  const chosen = kept.length > 0 ? kept : words;
  const trailingWord = /[\p{L}\p{N}\p{M}]$/u.test(text);
  chosen.forEach((word, at) => {
    const last = at === chosen.length - 1 && trailingWord && word === words.at(-1);
    add({ expr: quote(word), word: fold(word), ...(last && word.length >= 2 ? { prefix: true } : {}) });
  });
  return terms;
}

function cjkTerm(run: string): QueryTerm {
  const pieces = bigrams(run);
  // A single character is the start of the bigrams that begin with it.
  const single = pieces.length === 1 && [...run].length === 1;
  return { expr: single ? `cjk : ${quote(run)} *` : `cjk : ${quote(pieces.join(' '))}`, run };
}
