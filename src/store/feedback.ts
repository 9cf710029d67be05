/**
 * Query expansion from the first pass's best match (pseudo-relevance feedback), for search by
 * words alone. A question asked in its own words finds one memory of a subject ("What pet does
 * Priya have?" → "We rescued a grey cat, she is called Smudge") and misses the others, which use
 * that memory's words instead ("Smudge knocked my coffee over"). So the rarest words of the best
 * match are searched as well, at a small weight, and may lift the memories that share them; the
 * best match itself stays first (rankWithFeedback).
 *
 * Why this shape, measured on the corpora in test/search/ (README, "How search ranks"): a memory
 * store has few relevant memories per question, so feedback from more than the best match, or
 * words shared by several top matches (RM3's usual choice), mostly brings in the words of wrong
 * memories and pushed right answers down; a query-performance gate (expand only a weak first
 * pass) lost most of the gain, which comes from confident first passes. Rare words carry it
 * (names, things), and only they are cheap: each candidate's count is read up to RARE_MAX
 * memories, and the chosen words match so few that scoring them costs next to nothing.
 */
import { blended, type Hits, insertRanked, readBoosts, SCORE_UNITS } from './blend.js';
import { fold } from './query.js';
import type { Sql } from './search.js';
import type { CursorPosition } from './search-cursor.js';
import { STOP_WORDS } from './stop-words.js';
import { withoutEnding } from './vocabulary.js';

/** An expansion word's BM25 counts this share of a query word's. */
export const FEEDBACK_WEIGHT = 0.15;
/** Words added to a query, at most. */
const FEEDBACK_TERMS = 3;
/** The best match's words whose rarity is looked up, at most: each costs one bounded count. */
const CANDIDATES = 8;
/**
 * A word is rare enough to add when at most this share of the memories hold it, and never more
 * than RARE_MAX: a word in more memories says little about which of them belong with the match.
 */
const RARE_SHARE = 0.05;
const RARE_MAX = 50;
/** The part of a long memory read for words: its subject is stated early. */
const READ_CHARS = 2000;

const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * Up to FEEDBACK_TERMS rarest words of memory `rowid` (as FTS5 expressions), in at least two
 * memories (so they can find another) and at most the rare bound, none a form of `own` (the
 * query's words) or a stop word. Candidates are the words said most often in it, then the
 * capitalised ones (names), then the longer ones.
 */
export function feedbackTerms(sql: Sql, rowid: number, own: readonly string[], memories: number): string[] {
  const row = sql('SELECT title, summary, tags, content FROM memories WHERE rowid = ? AND sealed IS NULL')
    .raw()
    .get(rowid) as [string, string, string, string] | undefined;
  if (!row) return [];
  const [title, summary, tags, content] = row;
  const text = `${title} ${summary} ${(JSON.parse(tags) as string[]).join(' ')} ${content.slice(0, READ_CHARS)}`;
  const skip = new Set(own.map((word) => withoutEnding(fold(word))));
  const words = new Map<string, { word: string; count: number; capital: boolean }>();
  for (const typed of text.match(WORD) ?? []) {
    const word = fold(typed);
    if (word.length < 3 || STOP_WORDS.has(word) || /^\d+$/.test(word)) continue;
    const key = withoutEnding(word);
    if (skip.has(key)) continue;
    const capital = /^\p{Lu}/u.test(typed);
    const known = words.get(key);
    if (known) {
      known.count++;
      known.capital ||= capital;
    } else words.set(key, { word, count: 1, capital });
  }
  const candidates = [...words.values()]
    .sort(
      (a, b) => b.count - a.count || Number(b.capital) - Number(a.capital) || b.word.length - a.word.length,
    )
    .slice(0, CANDIDATES);
  const rare = Math.min(RARE_MAX, Math.max(2, Math.floor(memories * RARE_SHARE)));
  // Counting stops past the bound: a common word costs what a rare one does.
  const count = sql(
    'SELECT count(*) FROM (SELECT 1 FROM memories_fts WHERE memories_fts MATCH ? LIMIT ?)',
  ).pluck();
  const rated: [expr: string, docs: number][] = [];
  for (const { word } of candidates) {
    const expr = `"${word}"`;
    const docs = count.get(expr, rare + 1) as number;
    if (docs >= 2 && docs <= rare) rated.push([expr, docs]);
  }
  return rated
    .sort((a, b) => a[1] - b[1])
    .slice(0, FEEDBACK_TERMS)
    .map(([expr]) => expr);
}

/**
 * The ranking with the added words' scores (`extra`): the first pass's first hit keeps its place and
 * score; below it, each memory the query's words found gains FEEDBACK_WEIGHT times the added
 * words' BM25 (a memory holding none of the query's words is still no hit: a search by words
 * returns what holds them), and those scores are scaled, if need be, to stay under the first
 * hit's (one order for every page).
 */
export function rankWithFeedback(
  sql: Sql,
  scores: Hits,
  extra: Hits,
  top: number,
  unfiltered: boolean,
  need: number,
  after: CursorPosition | undefined,
  hour: number,
): [rowid: number, score: number][] {
  if (unfiltered) readBoosts(sql, scores, top || 1, 1, hour, false);
  const first: [rowid: number, score: number][] = [];
  for (const [rowid, [relevance, importance, updatedMs]] of scores) {
    if (updatedMs === undefined) continue;
    const score =
      Math.round(blended(relevance, top, importance, updatedMs, hour) * SCORE_UNITS) / SCORE_UNITS;
    insertRanked(first, [rowid, score], 1);
  }
  const head = first[0];
  if (head) scores.delete(head[0]);
  // Only memories the query's own words found: a search by words returns what holds them.
  for (const [rowid, [relevance]] of extra) {
    const known = scores.get(rowid);
    if (known) known[0] += FEEDBACK_WEIGHT * relevance;
  }
  let restTop = 0;
  for (const [relevance] of scores.values()) restTop = Math.max(restTop, relevance);
  const ceiling = head ? head[1] - 1 / SCORE_UNITS : 1;
  // The rest is scaled under the first hit by ceiling / its highest score (which is at most
  // restTop / top): pruning keeps what lies within that many more rounding units of the page, so
  // no memory it leaves out could have tied on a page once scaled.
  if (unfiltered && scores.size > 0) {
    const margin = Math.ceil(Math.max(1, restTop / (top || 1)) / Math.max(ceiling, 1 / SCORE_UNITS)) + 1;
    readBoosts(sql, scores, top || 1, after ? undefined : need, hour, true, margin);
  }
  let highest = 0;
  for (const [, [relevance, importance, updatedMs]] of scores) {
    if (updatedMs !== undefined)
      highest = Math.max(highest, blended(relevance, top, importance, updatedMs, hour));
  }
  const scale = highest > ceiling && highest > 0 ? Math.max(0, ceiling) / highest : 1;
  const best: [rowid: number, score: number][] = [];
  const consider = (rowid: number, score: number) => {
    if (after && !(score < after[0] || (score === after[0] && rowid < after[1]))) return;
    insertRanked(best, [rowid, score], need);
  };
  if (head) consider(head[0], head[1]);
  for (const [rowid, [relevance, importance, updatedMs]] of scores) {
    if (updatedMs === undefined) continue;
    const value = blended(relevance, top, importance, updatedMs, hour) * scale;
    consider(rowid, Math.round(value * SCORE_UNITS) / SCORE_UNITS);
  }
  return best;
}
