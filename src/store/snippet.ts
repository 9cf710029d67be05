/**
 * Short excerpts of memory content for search results: a window around the first matched term
 * (found by the index, or by word starts here), whitespace folded, so a page of hits stays cheap in a model's context. Only the text around the
 * match is processed, so a 32 KiB memory costs about what a short one does.
 */

/** About one line: a search hit's snippet (src/mcp/tools/search-hits.ts fits it into the hit). */
export const SNIPPET_CHARS = 64;
/** Raw characters read on each side of the match per snippet character, for whitespace to fold. */
const READ_AROUND = 4;

export function snippet(content: string, terms: readonly string[], width = SNIPPET_CHARS): string {
  return snippetAt(content, firstMatch(content, terms), width);
}

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
 * Where the first word starting with one of `terms` begins, case-insensitively; 0 when there is
 * none. Only at the start of a word, as the index matches: "cat" finds "category", not "communicate".
 */
function firstMatch(content: string, terms: readonly string[]): number {
  const words = terms.filter((term) => term.length > 0);
  if (words.length === 0) return 0;
  if (content.length <= LOWERCASE_SCAN_CHARS) {
    // Final sigma becomes plain sigma on both sides: lowercasing picks one by position.
    const lower = content.toLowerCase().replaceAll('ς', 'σ');
    // Lowercasing a few characters (e.g. İ) lengthens the text, and positions would shift.
    if (lower.length === content.length) {
      const found = words.map((word) => wordStart(lower, word.toLowerCase().replaceAll('ς', 'σ')));
      const starts = found.filter((at) => at >= 0);
      return starts.length > 0 ? Math.min(...starts) : 0;
    }
  }
  return Math.max(0, content.search(patternFor(words)));
}

/** The first place `word` occurs at the start of a word of `text`, or -1. */
function wordStart(text: string, word: string): number {
  for (let at = text.indexOf(word); at >= 0; at = text.indexOf(word, at + 1)) {
    if (at === 0 || !WORD_CHAR.test(text[at - 1]!)) return at;
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
    pattern = new RegExp(`(?<![\\p{L}\\p{N}])(?:${literal.join('|')})`, 'iu');
    patterns.set(key, pattern);
  }
  return pattern;
}

function fold(text: string): string {
  return text.replace(/\s+/g, ' ');
}
