/**
 * Marks the query's words in a snippet, as DOM nodes: the text stays text, the marks are <mark>
 * elements. The index stems words (porter), so a word counts as matched when one is a prefix of
 * the other, or they share a long enough start ("remember" and "remembering").
 */
const WORD = /[\p{L}\p{N}]+/gu;

export function queryTerms(query: string): string[] {
  return [...new Set((query.toLowerCase().match(WORD) ?? []).filter((word) => word.length >= 2))];
}

function matches(word: string, terms: readonly string[]): boolean {
  const lower = word.toLowerCase();
  return terms.some((term) => {
    if (lower.startsWith(term) || (lower.length >= 3 && term.startsWith(lower))) return true;
    let common = 0;
    while (common < lower.length && lower[common] === term[common]) common += 1;
    return common >= 5;
  });
}

export function highlighted(text: string, terms: readonly string[]): DocumentFragment {
  const fragment = document.createDocumentFragment();
  if (terms.length === 0) {
    fragment.append(text);
    return fragment;
  }
  let from = 0;
  for (const match of text.matchAll(WORD)) {
    if (!matches(match[0], terms)) continue;
    const at = match.index;
    if (at > from) fragment.append(text.slice(from, at));
    const mark = document.createElement('mark');
    mark.textContent = match[0];
    fragment.append(mark);
    from = at + match[0].length;
  }
  if (from < text.length) fragment.append(text.slice(from));
  return fragment;
}
