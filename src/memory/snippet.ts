/**
 * Short excerpts of memory content for search results: a window around the first matched term,
 * whitespace folded, so a page of hits stays cheap in a model's context.
 */

export const SNIPPET_CHARS = 160;

export function snippet(content: string, terms: readonly string[], width = SNIPPET_CHARS): string {
  const text = content.replace(/\s+/g, ' ').trim();
  if (text.length <= width) return text;
  const lower = text.toLowerCase();
  const positions = terms.map((term) => lower.indexOf(term.toLowerCase())).filter((at) => at >= 0);
  const hit = positions.length > 0 ? Math.min(...positions) : 0;
  let start = Math.max(0, hit - Math.floor(width / 3));
  const end = Math.min(text.length, start + width);
  start = Math.max(0, end - width);
  return `${start > 0 ? '…' : ''}${text.slice(start, end).trim()}${end < text.length ? '…' : ''}`;
}
