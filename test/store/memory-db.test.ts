import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { MEMORY_MIGRATIONS } from '../../src/store/memory-schema.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
let db: MemoryDatabase;
const key = randomBytes(32);
let n = 0;
const fp = () => `fp${n++}`;

beforeEach(async () => {
  dir = await makeTempDir('memory-db');
  db = MemoryDatabase.open(path.join(dir, 'memories.db'), { key });
});
afterEach(async () => {
  db.close();
  await removeTempDir(dir);
});

const ids = (page: { memories: { id: string }[] }) => page.memories.map((m) => m.id);

describe('MemoryDatabase', () => {
  it('creates, dedups by fingerprint, reads, updates and deletes', () => {
    const a = db.create({ content: 'The user drinks espresso every morning.', tags: ['coffee'] }, 'same');
    expect(a.existing).toBe(false);
    const again = db.create({ content: 'whatever', tags: [] }, 'same');
    expect(again).toMatchObject({ existing: true, memory: { id: a.memory.id } });
    expect(db.get([a.memory.id])[0]).toEqual(a.memory);
    const updated = db.update(a.memory.id, { title: 'Coffee' }, a.memory.updated_at);
    expect(updated.status).toBe('updated');
    expect(db.update(a.memory.id, { title: 'x' }, a.memory.updated_at).status).toBe('conflict');
    expect(ids(db.search({ query: 'coffee' }))).toEqual([a.memory.id]);
    expect(db.delete(a.memory.id)).toBe(true);
    expect(db.delete(a.memory.id)).toBe(false);
    expect(db.search({ query: 'espresso' }).memories).toEqual([]);
  });

  it('ranks, stems, prefixes, fixes typos, folds accents and finds CJK', () => {
    const title = db.create({ content: 'Likes it strong.', title: 'Espresso preference' }, fp());
    const body = db.create({ content: 'We talked about the espresso machine at the office.' }, fp());
    db.create({ content: 'Gardening notes: tomatoes need sun.' }, fp());
    const cafe = db.create({ content: 'Met Zoë at the café on Rue Cler.' }, fp());
    const zh = db.create({ content: '我喜欢在咖啡店工作。' }, fp());
    const ja = db.create({ content: '東京で寿司を食べました' }, fp());
    expect(ids(db.search({ query: 'espresso' }))).toEqual([title.memory.id, body.memory.id]);
    expect(db.search({ query: 'espres' }).memories).toHaveLength(2);
    expect(db.search({ query: 'tomato' }).memories).toHaveLength(1);
    expect(db.search({ query: 'gardenning' }).memories).toHaveLength(1);
    expect(db.search({ query: 'esspresso' }).memories).toHaveLength(2);
    expect(ids(db.search({ query: 'cafe zoe' }))).toEqual([cafe.memory.id]);
    expect(ids(db.search({ query: 'café' }))).toEqual([cafe.memory.id]);
    expect(ids(db.search({ query: '咖啡' }))).toEqual([zh.memory.id]);
    expect(ids(db.search({ query: '寿司' }))).toEqual([ja.memory.id]);
    expect(db.search({ query: '咖啡' }).memories[0]?.snippet).toContain('咖啡');
    expect(db.search({ query: 'machine' }).memories[0]?.snippet).toContain('machine');
  });

  it('centres snippets on the word that matched, as typed or only as the index sees it', () => {
    const filler = (from: number) => Array.from({ length: 60 }, (_, i) => `filler${from + i}`).join(' ');
    db.create({ content: `${filler(0)} she kept running late ${filler(100)}` }, fp());
    db.create({ content: `${filler(200)} the Café Cler ${filler(300)}` }, fp());
    db.create({ content: `${filler(400)} Kombucha brewing ${filler(500)}` }, fp());
    expect(db.search({ query: 'run' }).memories[0]?.snippet).toContain('running');
    expect(db.search({ query: 'cafe' }).memories[0]?.snippet).toContain('Café');
    expect(db.search({ query: 'kombucha' }).memories[0]?.snippet).toContain('Kombucha');
    // Matched in the title only: the snippet is the start of the content.
    db.create({ content: `${filler(600)} and more`, title: 'Sauerkraut' }, fp());
    expect(db.search({ query: 'sauerkraut' }).memories[0]?.snippet).toMatch(/^filler600 /);
  });
});

describe('MemoryDatabase search input', () => {
  it('searches FTS5 syntax and noise as plain words, never raising a syntax error', () => {
    const hit = db.create({ content: 'The NEAR term and the title column, OR so.' }, fp());
    const hostile = [
      '"',
      '""',
      '"unbalanced',
      '*',
      'near*',
      'NEAR(a b)',
      'NEAR',
      'AND',
      'OR OR',
      'a AND OR NOT b',
      '-near',
      '^term',
      'title:x',
      'content: term',
      '{title}: term',
      '(((',
      ')',
      "'; DROP TABLE memories; --",
      '!!!???...',
      '\u0000\u0001',
      '🙂🙂',
    ];
    let seed = 7;
    const noise = Array.from({ length: 500 }, () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return String.fromCharCode(32 + (seed % 95));
    }).join('');
    for (const query of [...hostile, noise]) expect(() => db.search({ query }), query).not.toThrow();
    expect(ids(db.search({ query: 'NEAR(a b)' }))).toEqual([hit.memory.id]);
    expect(ids(db.search({ query: 'title:x' }))).toEqual([hit.memory.id]);
    expect(db.search({ query: '!!!???...' }).memories).toEqual([]);
    expect(db.count()).toBe(1);
  });

  it('matches accented and plain spellings both ways', () => {
    const plain = db.create({ content: 'Lunch at the cafe near the station.' }, fp());
    const accented = db.create({ content: 'Dîner au café de Flore, très bien.' }, fp());
    expect(ids(db.search({ query: 'café' })).sort()).toEqual([plain.memory.id, accented.memory.id].sort());
    expect(ids(db.search({ query: 'cafe' })).sort()).toEqual([plain.memory.id, accented.memory.id].sort());
    expect(ids(db.search({ query: 'tres diner' }))).toEqual([accented.memory.id]);
  });

  it('filters in SQL and pages without duplicates or gaps', () => {
    const made: string[] = [];
    for (let i = 0; i < 57; i++) {
      const { memory } = db.create(
        {
          content: `Harbour walk number ${i} ${i % 3 === 0 ? 'with seagulls' : ''}`,
          tags: [i % 2 ? 'odd' : 'even'],
          importance: (i % 10) / 10,
          source: i % 4 === 0 ? 'cursor' : 'claude',
        },
        fp(),
      );
      made.push(memory.id);
    }
    for (const params of [
      { query: 'harbour walk' },
      { query: '' },
      { query: 'seagulls harbour', tags: ['odd'] },
    ]) {
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = db.search({ ...params, limit: 7, cursor });
        seen.push(...page.memories.map((m) => m.id));
        cursor = page.next_cursor ?? undefined;
        pages++;
      } while (cursor && pages < 20);
      const all = ids(db.search({ ...params, limit: 50 }));
      expect(new Set(seen).size).toBe(seen.length);
      if (all.length < 50) expect(seen).toEqual(all);
    }
    const odd = ids(db.search({ query: 'harbour', tags: ['ODD'], limit: 50 }));
    expect(odd).toHaveLength(28);
    expect(ids(db.search({ minImportance: 0.9, limit: 50 }))).toHaveLength(5);
    expect(ids(db.search({ source: 'cursor', limit: 50 }))).toHaveLength(15);
    const first = db.get([made[0]!])[0]!;
    expect(
      ids(db.search({ createdBefore: new Date(Date.parse(first.created_at) + 1).toISOString(), limit: 50 })),
    ).toContain(made[0]);
  });

  it('finds near-duplicates by word overlap, not by shared common words', () => {
    const original = db.create(
      { content: 'The user lives in Lisbon and works remotely for a Berlin startup.' },
      fp(),
    );
    for (let i = 0; i < 30; i++) db.create({ content: `The user works on task ${i} remotely.` }, fp());
    const near = db.create(
      { content: 'The user lives in Lisbon and works remotely for a Berlin startup now.' },
      fp(),
    );
    expect(near.similar).toEqual([{ id: original.memory.id, title: '' }]);
    expect(db.similarTo('Something else entirely about gardening.')).toEqual([]);
  });
});

describe('MemoryDatabase schema 2: the scoring index', () => {
  it('is added to a schema 1 store on open, and ranking and filters read it', () => {
    db.close();
    const file = path.join(dir, 'schema1.db');
    const old = openDatabase(file, { key, migrations: MEMORY_MIGRATIONS.slice(0, 1) });
    old.close();
    db = MemoryDatabase.open(file, { key });
    const low = db.create(
      { content: 'Sourdough starter feeding schedule.', importance: 0.2, source: 'a' },
      fp(),
    );
    const high = db.create({ content: 'Sourdough loaf recipe.', importance: 0.9, source: 'b' }, fp());
    expect(ids(db.search({ query: 'sourdough' })).sort()).toEqual([low.memory.id, high.memory.id].sort());
    expect(ids(db.search({ query: 'sourdough', minImportance: 0.5 }))).toEqual([high.memory.id]);
    expect(ids(db.search({ query: 'sourdough', source: 'a' }))).toEqual([low.memory.id]);
    db.close();
    const raw = openDatabase(file, { key, migrations: MEMORY_MIGRATIONS });
    expect(raw.pragma('user_version', { simple: true })).toBe(MEMORY_MIGRATIONS.length);
    const plan = raw
      .prepare(
        `EXPLAIN QUERY PLAN SELECT f.rowid, m.importance, m.updated_ms, m.created_ms, m.source
         FROM memories_fts f CROSS JOIN memories m INDEXED BY memories_scoring ON m.rowid = f.rowid
         WHERE memories_fts MATCH 'sourdough'`,
      )
      .all() as { detail: string }[];
    expect(plan.map((step) => step.detail).join('\n')).toMatch(/COVERING INDEX memories_scoring/);
    raw.close();
    db = MemoryDatabase.open(file, { key });
  });
});

describe('MemoryDatabase.compactIndex', () => {
  it('leaves every answer as it was, and later writes and deletes still show', () => {
    const made = db.createMany(
      Array.from({ length: 300 }, (_, i) => ({
        fields: { content: `Note ${i} about ${['tea', 'coffee', 'cocoa'][i % 3]} and topic${i % 17}.` },
        fingerprint: fp(),
      })),
    );
    const queries = ['tea', 'coffee topic3', 'cocoa', 'topic1', 'note'];
    const before = queries.map((query) => db.search({ query, limit: 50 }, 0));
    db.compactIndex();
    expect(queries.map((query) => db.search({ query, limit: 50 }, 0))).toEqual(before);
    const later = db.create({ content: 'A later note about matcha.' }, fp());
    expect(ids(db.search({ query: 'matcha' }))).toEqual([later.memory.id]);
    expect(db.delete(made[0]!.memory.id)).toBe(true);
    expect(ids(db.search({ query: 'tea', limit: 200 }))).not.toContain(made[0]!.memory.id);
  });
});

describe('MemoryDatabase search: filters', () => {
  it('rank exactly as without them when every memory passes', () => {
    const words = ['tea', 'coffee', 'cocoa', 'matcha', 'chai', 'mate', 'kvass', 'kefir'];
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const pick = () => words[Math.floor(random() ** 2 * words.length)]!;
    for (let day = 0; day < 20; day++) {
      db.createMany(
        Array.from({ length: 40 }, () => ({
          fields: {
            content: Array.from({ length: 3 + Math.floor(random() * 20) }, pick).join(' '),
            title: random() < 0.3 ? pick() : '',
            importance: Math.round(random() * 100) / 100,
          },
          fingerprint: fp(),
        })),
        new Date(Date.UTC(2026, 0, 1 + day * 15)),
      );
    }
    const now = Date.UTC(2026, 11, 1);
    for (const query of ['tea', 'kefir', 'coffee kvass', 'mate chai', 'cocoa tea matcha']) {
      for (const limit of [1, 5, 10]) {
        const plain = db.search({ query, limit }, now);
        const full = db.search({ query, limit, minImportance: 0 }, now);
        expect(plain.memories, `${query} / ${limit}`).toEqual(full.memories);
        expect(plain.next_cursor === null).toBe(full.next_cursor === null);
      }
    }
  });
});
