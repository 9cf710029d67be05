import { describe, expect, it } from 'vitest';
import { SNIPPET_CHARS, snippetAt, wordAt } from '../../src/store/snippet.js';

/** The window around the first of `words` in `content`, as search centres a snippet it found itself. */
const snippet = (content: string, words: string[]) => snippetAt(content, Math.max(0, wordAt(content, words)));

const words = (count: number, from = 0) => Array.from({ length: count }, (_, i) => `w${from + i}`).join(' ');

describe('snippet', () => {
  it('returns short content whole, whitespace folded', () => {
    expect(snippet('  Likes\tcardamom\n\n in tea.  ', ['cardamom'])).toBe('Likes cardamom in tea.');
    expect(snippet('', ['x'])).toBe('');
  });

  it('cuts long content to a window around the first match, marking what was left out', () => {
    const content = `${words(100)} The user likes CARDAMOM in tea. ${words(100, 100)}`;
    const text = snippet(content, ['cardamom']);
    expect(text).toMatch(/^….*CARDAMOM in tea.*…$/);
    expect(text.length).toBeLessThanOrEqual(SNIPPET_CHARS + 2);
    expect(text.indexOf('CARDAMOM')).toBeGreaterThan(20);
    expect(text.indexOf('CARDAMOM')).toBeLessThan(SNIPPET_CHARS / 2);
  });

  it('starts at the beginning for an early match or none, and fills the window near the end', () => {
    const content = `cardamom ${words(200)}`;
    expect(snippet(content, ['cardamom'])).toMatch(/^cardamom w0 .*…$/);
    expect(snippet(content, ['saffron'])).toMatch(/^cardamom w0 .*…$/);
    expect(snippet(content, [])).toMatch(/^cardamom w0 .*…$/);
    const late = `${words(200)} cardamom`;
    const text = snippet(late, ['cardamom']);
    expect(text).toMatch(/^….* cardamom$/);
    // The whole window, less a space where the cut fell between two words.
    expect(text.length).toBeGreaterThanOrEqual(SNIPPET_CHARS);
    expect(text.length).toBeLessThanOrEqual(SNIPPET_CHARS + 1);
  });

  it('takes the earliest of several terms, and reads terms literally', () => {
    expect(snippet(`${words(100)} tea then c++ and (x) ${words(100, 100)}`, ['c++', '(x)', 'tea'])).toMatch(
      /^….{10,30}tea then c\+\+ and \(x\)/,
    );
  });

  it('keeps a full window across long runs of whitespace, and works in any script', () => {
    const spaced = `${'filler \n\n\n\n\n\n\n\n '.repeat(300)}Kardamom ist gut ${'mehr \t\t\t\t '.repeat(300)}`;
    const text = snippet(spaced, ['kardamom']);
    expect(text).toMatch(/^…\S* (filler )+Kardamom ist gut (mehr )+/);
    expect(text.length).toBeGreaterThan(SNIPPET_CHARS - 5);
    expect(snippet(`${'東京 '.repeat(100)}ÉCOLE ${'東京 '.repeat(100)}`, ['école'])).toContain('ÉCOLE');
  });

  it('finds the match where lowercasing would move it (İ lowercases to two characters)', () => {
    const content = `${'İstanbul '.repeat(30)}then the cardamom tea ${'filler '.repeat(30)}`;
    expect(snippet(content, ['cardamom'])).toMatch(/^….*then the cardamom tea/);
  });

  it('matches whole words only, as the index reads them', () => {
    const content = `We communicate by email. ${words(100)} The category list. ${words(100)} Our cat's bowl.`;
    expect(wordAt(content, ['cat'])).toBe(content.indexOf("cat's"));
    expect(snippet(content, ['cat'])).toMatch(/^….*Our cat's bowl\.$/);
    expect(wordAt('We communicate in categories.', ['cat'])).toBe(-1);
    const long = `${'We communicate by email, category by category. '.repeat(200)} Our cat.`;
    expect(long.length).toBeGreaterThan(4096);
    expect(wordAt(long, ['cat'])).toBe(long.indexOf('cat.'));
    expect(wordAt(long, ['dog'])).toBe(-1);
    expect(wordAt(long, [])).toBe(-1);
  });

  it('treats final and plain sigma alike', () => {
    expect(snippet(`start ${words(100)} ΟΔΟΣ.ΤΕΣΤ end`, ['οδος'])).toMatch(/ΟΔΟΣ\.ΤΕΣΤ end$/);
  });

  it('reads only around the match: a 32 KiB memory with the match at its end', () => {
    const big = `${words(5000)} cardamom`.slice(-32_000);
    expect(snippet(big, ['cardamom'])).toMatch(/^….*cardamom$/);
  });
});
