/**
 * The fault campaigns' only source of chance: a small seeded PRNG (mulberry32), so a campaign's
 * schedule (its operations, contents and kill delays) is the same for the same seed. Where a
 * kill lands among the operations still depends on timing; the seed is logged to replay the rest.
 */

import { mulberry32 } from '../helpers/mulberry32.mjs';

export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** `count` distinct items, or all of them when there are fewer. */
  sample<T>(items: readonly T[], count: number): T[];
  /** A lowercase letters-and-digits word, for tokens a search can find and nothing else contains. */
  token(length: number): string;
  /** An independent stream for a named part, so one part's draws never shift another's. */
  fork(label: string): Rng;
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function seededRng(seed: number): Rng {
  const next = mulberry32(seed);
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  const rng: Rng = {
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    sample: (items, count) => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = int(0, i);
        [copy[i], copy[j]] = [copy[j] as (typeof copy)[number], copy[i] as (typeof copy)[number]];
      }
      return copy.slice(0, count);
    },
    token: (length) => {
      const letters = 'abcdefghijklmnopqrstuvwxyz';
      const alphabet = `${letters}0123456789`;
      // Starts with a letter, so no tokenizer takes it for a number.
      let word = letters[int(0, 25)] as string;
      while (word.length < length) word += alphabet[int(0, alphabet.length - 1)];
      return word;
    },
    fork: (label) => seededRng(hash(`${seed}:${label}`)),
  };
  return rng;
}

/** The campaign seed: MEMORAM_FAULT_SEED when set (to replay a run), else the fixed default. */
export function campaignSeed(fallback: number): number {
  const given = process.env.MEMORAM_FAULT_SEED;
  if (given === undefined || given === '') return fallback;
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`MEMORAM_FAULT_SEED must be a whole number, not ${given}`);
  return seed;
}
