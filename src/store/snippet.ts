/**
 * Short excerpts of memory content for search results: a window around a matched word (one of
 * the query's own words found here, else where the index matched), whitespace folded, so a page
 * of hits stays cheap in a model's context. Only the text around the match is processed, so a
 * 32 KiB memory costs about what a short one does.
 */

/** About one line: a search hit's snippet (src/mcp/tools/search-hits.ts fits it into the hit). */
export const SNIPPET_CHARS = 64;
/** Raw characters read on each side of the match per snippet character, for whitespace to fold. */
const READ_AROUND = 4;

/** The window of `content` around the character at `hit`. */
export function snippetAt(content: string, hit: number, width = SNIPPET_CHARS): string {
  const from = Math.max(0, hit - width * READ_AROUND);
  const to = Math.min(content.length, hit + width * READ_AROUND);
  const before = fold(content.slice(from, hit));
  const after = fold(content.slice(hit, to));
  const left = from === 0 ? before.trimStart() : before;
  const right = to === content.length ? after.trimEnd() : after;
  // A third of the window before the match, unless the text after it is too short to fill the rest.
  const keepRight = Math.min(right.length, width - Math.min(left.length, Math.floor(width / 3)));
  const keepLeft = Math.min(left.length, width - keepRight);
  const cutLeft = keepLeft < left.length || /\S/.test(content.slice(0, from));
  const cutRight = keepRight < right.length || /\S/.test(content.slice(to));
  const text = `${left.slice(left.length - keepLeft)}${right.slice(0, keepRight)}`.trim();
  return `${cutLeft ? '…' : ''}${text}${cutRight ? '…' : ''}`;
}

/** Content up to this long is lowercased and scanned word by word: faster than a pattern. */
const LOWERCASE_SCAN_CHARS = 4096;
const WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * Where the first of `words` occurs in `content` as a whole word, case-insensitively; -1 when
 * none does. A word here is what the index reads as one (letters and digits): "cat" finds "cat."
 * and "cat's", not "category" or "communicate".
 */
export function wordAt(content: string, words: readonly string[]): number {
  const wanted = words.filter((word) => word.length > 0);
  if (wanted.length === 0) return -1;
  if (content.length <= LOWERCASE_SCAN_CHARS) {
    // Final sigma becomes plain sigma on both sides: lowercasing picks one by position.
    const lower = content.toLowerCase().replaceAll('ς', 'σ');
    // Lowercasing a few characters (e.g. İ) lengthens the text, and positions would shift.
    if (lower.length === content.length) {
      const found = wanted.map((word) => wholeWord(lower, word.toLowerCase().replaceAll('ς', 'σ')));
      const starts = found.filter((at) => at >= 0);
      return starts.length > 0 ? Math.min(...starts) : -1;
    }
  }
  return content.search(patternFor(wanted));
}

/** The first place `word` occurs in `text` with no letter or digit on either side, or -1. */
function wholeWord(text: string, word: string): number {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    const end = at + word.length;
    if ((at === 0 || !WORD_CHAR.test(text[at - 1]!)) && (end === text.length || !WORD_CHAR.test(text[end]!)))
      return at;
  }
  return -1;
}

/** Patterns built lately: the hits of one search share a few sets of terms. */
const patterns = new Map<string, RegExp>();
const PATTERNS_KEPT = 64;

function patternFor(words: readonly string[]): RegExp {
  const key = JSON.stringify(words);
  let pattern = patterns.get(key);
  if (!pattern) {
    if (patterns.size >= PATTERNS_KEPT) patterns.clear();
    const literal = words.map((word) => word.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'));
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${literal.join('|')})(?![\\p{L}\\p{N}])`, 'iu');
    patterns.set(key, pattern);
  }
  return pattern;
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ');
}
