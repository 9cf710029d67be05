/**
 * BM25 with parameters of our own, from what FTS5 gives. FTS5's bm25() has k1 = 1.2 and b = 0.75
 * built in, and another ranking function would need C. But for one term its score is
 *
 *   idf · f·(k1 + 1) / (f + K),   K = k1·(1 − b + b·D/avgdl)
 *
 * with f the term's occurrences weighted by column (whole numbers: the weights are), D the
 * memory's length in tokens and avgdl the index's average. Asked a second time with every column
 * weighted 1e15, bm25() gives idf·(k1 + 1) to 15 digits (f swamps K): so the rank gives back
 * f/K; the one whole f for which D comes out whole gives f and D; and from them the score at our
 * K1 and B. No extra lookup per match: FTS5 has read D for its own bm25() already, and the
 * second call reuses the first's per-query data (the term's document count). (Reading D from the
 * index's docsize table instead nearly doubled a common term's cost.)
 */
import type Database from 'better-sqlite3-multiple-ciphers';

/** FTS5's own. */
const FTS_K1 = 1.2;
const FTS_B = 0.75;
/**
 * Ours, measured on the conversation corpora (test/search/): memories are short and vary in
 * length less than documents do, and a long memory is not long for repeating itself, so its
 * length should cost it less than FTS5's 0.75 makes it.
 */
export const K1 = 1.2;
export const B = 0.25;

/** The weight that makes bm25() give idf·(k1 + 1): every column's occurrences swamp K. */
export const IDF_WEIGHT = 1e15;
/** Past any memory's length in tokens (content is at most 32 KiB). */
const MAX_LENGTH = 100_000;
/**
 * D is whole to within this (the rank's rounding moves it by less than 1e-8), and the score FTS5
 * computes from f and that D matches the rank to within SAME: a wrong f lands this near a whole
 * D about once in a million.
 */
const WHOLE = 1e-6;
const SAME = 1e-11;

type Sql = (text: string) => Database.Statement;

/** The index's average memory length in tokens, as FTS5 computes it (its averages record). */
export function averageLength(sql: Sql): number {
  return indexTotals(sql).avgdl;
}

/** The number of indexed memories and their average length in tokens, from FTS5's averages record. */
export function indexTotals(sql: Sql): { rows: number; avgdl: number } {
  const block = sql('SELECT block FROM memories_fts_data WHERE id = 1').pluck().get() as Buffer | undefined;
  if (!block) return { rows: 0, avgdl: 1 };
  const [rows, first] = varint(block, 0);
  let at = first;
  let tokens = 0;
  while (at < block.length) {
    const [size, next] = varint(block, at);
    tokens += size;
    at = next;
  }
  return { rows, avgdl: rows > 0 && tokens > 0 ? tokens / rows : 1 };
}

/** An SQLite varint (as FTS5 writes them): big-endian 7-bit groups, the ninth byte whole. */
export function varint(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    const byte = bytes[at + i] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) return [value, at + i + 1];
  }
  return [value * 256 + (bytes[at + 8] ?? 0), at + 9];
}

/**
 * A match's relevance at K1 and B (positive), from FTS5's rank (its negated bm25()) and `idfRank`
 * (the negated bm25() with every column weighted IDF_WEIGHT). When no whole f gives a whole D
 * (a rank FTS5 did not compute as assumed), the score is FTS5's own.
 */
export function rescore(rank: number, idfRank: number, avgdl: number): number {
  const idf = -idfRank / (FTS_K1 + 1);
  if (!(idf > 0)) return 0;
  // r = (k1 + 1)·x / (x + 1), x = f/K; rounding may put r a hair past its bound.
  const r = Math.min(-rank / idf, FTS_K1 + 1 - 1e-12);
  if (r <= 0) return 0;
  const x = r / (FTS_K1 + 1 - r);
  // D = (f/(x·k1) − (1 − b))·avgdl/b grows with f: from the f that gives D = 1 upwards (usually
  // a step or two).
  const step = avgdl / (x * FTS_K1 * FTS_B);
  const offset = ((1 - FTS_B) * avgdl) / FTS_B;
  for (let f = Math.max(1, Math.floor((1 + offset) / step)); ; f++) {
    const length = f * step - offset;
    if (length > MAX_LENGTH) break;
    const whole = Math.round(length);
    if (whole < 1 || Math.abs(length - whole) > WHOLE) continue;
    const fts = (idf * (f * (FTS_K1 + 1))) / (f + FTS_K1 * (1 - FTS_B + (FTS_B * whole) / avgdl));
    if (Math.abs(fts + rank) <= SAME * -rank) {
      return (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * whole) / avgdl));
    }
  }
  return -rank;
}
