import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { LocalBackend } from '../../src/store/local-backend.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { MEMORY_MIGRATIONS } from '../../src/store/memory-schema.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
let file: string;
const key = randomBytes(32);

beforeEach(async () => {
  dir = await makeTempDir('scopes');
  file = path.join(dir, 'memories.db');
});
afterEach(async () => {
  await removeTempDir(dir);
});

const ids = (page: { memories: { id: string }[] }) => page.memories.map((m) => m.id).sort();
const sorted = (...values: string[]) => [...values].sort();

describe('scopes in the memory database', () => {
  it('filters searches, listings, tags and near-duplicates by scope', () => {
    const db = MemoryDatabase.open(file, { key });
    try {
      const a = db.create(
        { content: 'We use PostgreSQL migrations here.', tags: ['db'], scope: 'alpha' },
        'a',
      );
      const b = db.create(
        { content: 'SQLite migrations run from the data folder at start.', tags: ['db', 'b'], scope: 'beta' },
        'b',
      );
      const g = db.create({ content: 'The user prefers migrations in small steps.', tags: ['style'] }, 'g');
      expect(a.memory.scope).toBe('alpha');
      expect(g.memory.scope).toBeNull();
      const alpha = { names: ['alpha'], global: true };
      expect(ids(db.search({ query: 'migrations', scopes: alpha }))).toEqual(
        sorted(a.memory.id, g.memory.id),
      );
      expect(ids(db.search({ scopes: alpha }))).toEqual(sorted(a.memory.id, g.memory.id));
      expect(ids(db.search({ query: 'migrations', scopes: { names: ['beta'], global: false } }))).toEqual([
        b.memory.id,
      ]);
      expect(ids(db.search({ query: 'migrations', scopes: { names: [], global: true } }))).toEqual([
        g.memory.id,
      ]);
      expect(ids(db.search({ query: 'migrations' }))).toEqual(sorted(a.memory.id, b.memory.id, g.memory.id));
      // Filtered together with another filter, in the same query.
      expect(ids(db.search({ query: 'migrations', tags: ['db'], scopes: alpha }))).toEqual([a.memory.id]);
      expect(db.tagCounts(alpha).map((tag) => tag.name)).toEqual(['db', 'style']);
      expect(db.tagCounts().map((tag) => [tag.name, tag.count])).toEqual([
        ['db', 2],
        ['b', 1],
        ['style', 1],
      ]);
      expect(db.scopeCounts()).toEqual([
        { name: null, count: 1 },
        { name: 'alpha', count: 1 },
        { name: 'beta', count: 1 },
      ]);
      // A near-duplicate in another scope is never named to a create in this one.
      const twin = db.create(
        { content: 'SQLite migrations run from the data folder at start!', scope: 'alpha' },
        'twin',
      );
      expect(twin.similar).toEqual([]);
      const near = db.create(
        { content: 'SQLite migrations run from the data folder, at start.', scope: 'beta' },
        'near',
      );
      expect(near.existing).toBe(false);
      expect(near.similar.map((memory) => memory.id)).toEqual([b.memory.id]);
    } finally {
      db.close();
    }
  });

  it('finds a near-duplicate in its scope behind many closer ones in another scope', () => {
    const db = MemoryDatabase.open(file, { key });
    try {
      const text = 'Deploy the billing service with blue green rollout behind the gateway';
      // Older, so first among the candidates on ties: more than the candidates a create weighs.
      for (let i = 0; i < 25; i++) db.create({ content: `${text} note${i}`, scope: 'beta' }, `b${i}`);
      const mine = db.create({ content: `${text} today`, scope: 'alpha' }, 'mine');
      const near = db.create({ content: `${text} again`, scope: 'alpha' }, 'near');
      expect(near.similar.map((memory) => memory.id)).toEqual([mine.memory.id]);
    } finally {
      db.close();
    }
  });

  it('keeps identical content in two scopes apart, and moves a memory between scopes', async () => {
    const backend = new LocalBackend(MemoryDatabase.open(file, { key }), key);
    try {
      const content = 'Run the tests with npm test.';
      const inA = await backend.create({ content, scope: 'alpha' }, backend.fingerprint(content, 'alpha'));
      const inB = await backend.create({ content, scope: 'beta' }, backend.fingerprint(content, 'beta'));
      expect(inB.deduplicated).toBe(false);
      expect(inB.memory.id).not.toBe(inA.memory.id);
      const again = await backend.create({ content, scope: 'alpha' }, backend.fingerprint(content, 'alpha'));
      expect(again).toMatchObject({ deduplicated: true, memory: { id: inA.memory.id } });

      const moved = await backend.update(inA.memory.id, { scope: 'gamma' });
      expect(moved.scope).toBe('gamma');
      const gamma = { names: ['gamma'], global: false };
      expect(ids(await backend.search({ query: 'tests', scopes: gamma }, Date.now()))).toEqual([
        inA.memory.id,
      ]);
      expect(
        ids(await backend.search({ query: 'tests', scopes: { names: ['alpha'], global: true } }, Date.now())),
      ).toEqual([]);
      // Its fingerprint moved with it: the same content in gamma is found, in alpha it is new.
      const inGamma = await backend.create(
        { content, scope: 'gamma' },
        backend.fingerprint(content, 'gamma'),
      );
      expect(inGamma).toMatchObject({ deduplicated: true, memory: { id: inA.memory.id } });
      const global = await backend.update(inB.memory.id, { scope: null });
      expect(global.scope).toBeNull();
      expect((await backend.get([inB.memory.id]))[0]?.scope).toBeNull();
    } finally {
      await backend.close();
    }
  });

  it('opens a store of schema 3, from before scopes, with every memory global', () => {
    const old = openDatabase(file, { key, migrations: MEMORY_MIGRATIONS.slice(0, 3) });
    old
      .prepare(
        `INSERT INTO memories (id, title, content, created_at, created_ms, updated_at, updated_ms, fingerprint)
         VALUES ('mem_old', 'Old', 'Written before scopes existed.', '2025-01-01T00:00:00.000Z', 0,
           '2025-01-01T00:00:00.000Z', 0, 'old')`,
      )
      .run();
    old.close();
    const db = MemoryDatabase.open(file, { key });
    try {
      expect(db.get(['mem_old'])[0]?.scope).toBeNull();
      const current = { names: ['alpha'], global: true };
      expect(ids(db.search({ query: 'scopes', scopes: current }))).toEqual(['mem_old']);
      expect(ids(db.search({ query: 'scopes', scopes: { names: ['alpha'], global: false } }))).toEqual([]);
      expect(db.scopeCounts()).toEqual([{ name: null, count: 1 }]);
    } finally {
      db.close();
    }
  });
});
