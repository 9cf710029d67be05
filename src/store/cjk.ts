/**
 * Scripts written without spaces (Chinese, Japanese, and Korean runs) have no words for the
 * unicode61 tokenizer to find: a whole sentence would be one token. Both the indexed text and the
 * query turn each run into overlapping two-character pieces ("咖啡店" → "咖啡 啡店"), the usual
 * bigram scheme, so a two-character word, the common case, is one indexed term and a longer one a
 * phrase of them.
 */

const RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

export function cjkRuns(text: string): string[] {
  return text.match(RUN) ?? [];
}

export function hasCjk(text: string): boolean {
  RUN.lastIndex = 0;
  return RUN.test(text);
}

/** A run's bigrams; a one-character run stays itself. */
export function bigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length < 2) return chars;
  return chars.slice(1).map((char, at) => `${chars[at]}${char}`);
}

/** The text the index's `cjk` column holds for a memory: empty for text with no CJK at all. */
export function cjkColumn(...texts: string[]): string {
  const runs = texts.flatMap(cjkRuns);
  return runs.map((run) => bigrams(run).join(' ')).join(' \n ');
}
