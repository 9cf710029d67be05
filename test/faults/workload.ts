/**
 * The memories the fault campaigns write: generated from the seed, each carrying a token that no
 * other memory contains (so a search for it finds exactly that memory, and a copy of it is a
 * duplicate), in text that a store must give back byte for byte: accents, CJK, emoji, quotes,
 * backslashes, newlines, and now and then several kilobytes.
 */
import type { Rng } from './prng.js';
import type { Fields } from './server.js';

const WORDS = [
  'prefers',
  'dark',
  'roast',
  'coffee',
  'meeting',
  'tuesday',
  'project',
  'deadline',
  'review',
  'rust',
  'typescript',
  'sqlite',
  'garden',
  'tomatoes',
  'daughter',
  'piano',
  'lessons',
  'berlin',
  'flight',
  'allergic',
  'peanuts',
  'café',
  'naïve',
  'façade',
  'Zürich',
  '東京',
  '記憶',
  'память',
  '🧠',
  '☕',
  'emoji 👩‍💻',
  '"quoted"',
  'back\\slash',
  'tab\tseparated',
  'line\nbreak',
  '<tag>',
  '&amp;',
  'it’s',
  '50%',
  'C:\\Users',
  '{"json": true}',
  'naïveté',
  'ĳssel',
  'ß',
  'Ωmega',
];
const TAGS = ['work', 'family', 'health', 'travel', 'food', 'music', 'code', 'home', 'ideas', 'people'];

function words(rng: Rng, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(rng.pick(WORDS));
  return out.join(' ');
}

/** Mostly short text; one in ten several kilobytes, so some writes take long enough to be cut. */
function body(rng: Rng, token: string): string {
  const count = rng.chance(0.1) ? rng.int(300, 1500) : rng.int(3, 40);
  return `${words(rng, rng.int(0, 3))} ${token} ${words(rng, count)}`.trim();
}

export function newFields(rng: Rng, token: string, source: string): Fields {
  return {
    content: body(rng, token),
    title: `${words(rng, rng.int(1, 4))} ${rng.int(1, 9999)}`.slice(0, 200),
    summary: rng.chance(0.3) ? '' : words(rng, rng.int(2, 12)).slice(0, 500),
    tags: rng.sample(TAGS, rng.int(0, 3)),
    importance: rng.int(0, 100) / 100,
    source,
  };
}

/** A partial update: new content (with its new token), new title and tags, or a new importance. */
export function newPatch(rng: Rng, token: string): Partial<Fields> {
  switch (rng.int(0, 3)) {
    case 0:
      return { content: body(rng, token) };
    case 1:
      return {
        title: `${words(rng, rng.int(1, 3))} ${rng.int(1, 9999)}`,
        tags: rng.sample(TAGS, rng.int(0, 2)),
      };
    case 2:
      return { importance: rng.int(0, 100) / 100, summary: words(rng, rng.int(1, 6)) };
    default:
      return { content: body(rng, token), title: `rewritten ${rng.int(1, 9999)}`, summary: '' };
  }
}

export function applyPatch(fields: Fields, patch: Partial<Fields>): Fields {
  return { ...fields, ...patch };
}
