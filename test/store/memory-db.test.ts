import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryDatabase } from '../../src/store/memory-db.js';
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
});
