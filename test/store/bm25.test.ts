import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { averageLength, B, IDF_WEIGHT, K1, rescore, varint } from '../../src/store/bm25.js';
import { openDatabase, type SqliteDatabase } from '../../src/store/database.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { FIELD_WEIGHTS, MEMORY_MIGRATIONS } from '../../src/store/memory-schema.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

// The scores search adds up are BM25 at our K1 and B, recovered from FTS5's rank (bm25.ts). Here
// every match of every indexed word is scored both ways: from the rank, as search does, and from
// the index's own counts (occurrences per column from an fts5vocab 'instance' table, the
// memory's length from the docsize table, the word's memories counted), which search never reads.

let dir: string;
let db: SqliteDatabase;
const key = randomBytes(32);

/** A linear congruential generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

beforeAll(async () => {
  dir = await makeTempDir('bm25');
  const file = path.join(dir, 'memories.db');
  const store = MemoryDatabase.open(file, { key });
  const next = random(11);
  const words = Array.from({ length: 60 }, (_, i) => `w${i.toString(36)}q`);
  // Squared: a few words in most memories (an idf FTS5 clamps), most rare, some repeated.
  const pick = () => words[Math.floor(next() ** 2 * words.length)]!;
  const text = (count: number) => Array.from({ length: count }, pick).join(' ');
  for (let i = 0; i < 300; i++) {
    store.create(
      {
        // From one word to long texts, so D/avgdl spreads far on both sides of 1.
        content: `${text(1 + Math.floor(next() ** 3 * 400))} 東京の天気`,
        title: next() < 0.7 ? text(1 + Math.floor(next() * 5)) : undefined,
        summary: next() < 0.3 ? text(3) : undefined,
        tags: next() < 0.5 ? [pick(), pick()] : undefined,
      },
      `fp${i}`,
    );
  }
  store.close();
  db = openDatabase(file, { key, migrations: MEMORY_MIGRATIONS });
  db.exec(`CREATE VIRTUAL TABLE temp.instances USING fts5vocab(main, memories_fts, 'instance')`);
});

afterAll(async () => {
  db?.close();
  await removeTempDir(dir);
});

function total(sizes: Buffer): number {
  let at = 0;
  let sum = 0;
  while (at < sizes.length) {
    const [size, next] = varint(sizes, at);
    sum += size;
    at = next;
  }
  return sum;
}

describe('BM25 at our k1 and b, from FTS5’s rank', () => {
  it('equals BM25 computed from the index’s own counts, for every match of every word', () => {
    const sql = (text: string) => db.prepare(text);
    const avgdl = averageLength(sql);
    const rows = db.prepare('SELECT count(*) FROM memories').pluck().get() as number;
    const terms = db
      .prepare(`SELECT DISTINCT term FROM temp.instances WHERE col != 'cjk'`)
      .pluck()
      .all() as string[];
    const columns = ['title', 'summary', 'tags', 'content', 'cjk'];
    const match = db.prepare(
      `SELECT f.rowid, f.rank, bm25(memories_fts, ${Array(5).fill(IDF_WEIGHT).join(', ')}), d.sz
       FROM memories_fts f JOIN memories_fts_docsize d ON d.id = f.rowid WHERE memories_fts MATCH ?`,
    );
    const occurrences = db.prepare(
      'SELECT doc, col, count(*) FROM temp.instances WHERE term = ? GROUP BY doc, col',
    );
    let compared = 0;
    let repeated = 0;
    for (const term of terms) {
      const matches = match.raw().all(`"${term}"`) as [number, number, number, Buffer][];
      const frequency = new Map<number, number>();
      for (const [doc, col, count] of occurrences.raw().all(term) as [number, string, number][]) {
        const weight = FIELD_WEIGHTS[columns.indexOf(col)]!;
        frequency.set(doc, (frequency.get(doc) ?? 0) + weight * count);
      }
      const idf = Math.max(1e-6, Math.log((rows - matches.length + 0.5) / (matches.length + 0.5)));
      for (const [rowid, rank, idfRank, sizes] of matches) {
        const f = frequency.get(rowid)!;
        const expected = (idf * f * (K1 + 1)) / (f + K1 * (1 - B + (B * total(sizes)) / avgdl));
        expect(rescore(rank, idfRank, avgdl), `${term} in ${rowid}`).toBeCloseTo(expected, 9);
        compared++;
        if (f > 4) repeated++;
      }
    }
    expect(compared).toBeGreaterThan(5000);
    expect(repeated).toBeGreaterThan(500);
  });
});
