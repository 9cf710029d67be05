import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { LocalBackend } from '../../src/store/local-backend.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { MEMORY_MIGRATIONS } from '../../src/store/memory-schema.js';
import { passesEveryMemory } from '../../src/store/scope-filter.js';
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

  it('tells when every memory passes a scope filter, which a search may then leave out', () => {
    const raw = openDatabase(file, { key, migrations: MEMORY_MIGRATIONS });
    const sql = (text: string) => raw.prepare(text);
    const add = (scope: string | null) =>
      raw
        .prepare(
          `INSERT INTO memories (id, content, created_at, created_ms, updated_at, updated_ms, scope)
           VALUES (?, 'x', '2026-01-01T00:00:00.000Z', 0, '2026-01-01T00:00:00.000Z', 0, ?)`,
        )
        .run(`mem_${Math.random()}`, scope);
    const passes = (names: string[], global: boolean) => passesEveryMemory(sql, { names, global });
    // No filter, and an empty store, let everything through.
    expect(passesEveryMemory(sql, undefined)).toBe(true);
    expect(passes([], true)).toBe(true);
    // Global memories only: the default filter (current scope and global) passes them all.
    add(null);
    add(null);
    expect(passes([], true)).toBe(true);
    expect(passes(['work'], true)).toBe(true);
    expect(passes(['work'], false)).toBe(false);
    expect(passes([], false)).toBe(false);
    // A memory of the current scope beside them.
    add('work');
    expect(passes(['work'], true)).toBe(true);
    expect(passes([], true)).toBe(false);
    expect(passes(['home'], true)).toBe(false);
    // Scopes on either side of the name, in the order SQLite compares them.
    add('aaa');
    expect(passes(['work'], true)).toBe(false);
    raw.prepare("DELETE FROM memories WHERE scope = 'aaa'").run();
    add('zzz');
    expect(passes(['work'], true)).toBe(false);
    raw.prepare("DELETE FROM memories WHERE scope IS NOT 'work'").run();
    expect(passes(['work'], false)).toBe(true);
    expect(passes(['work', 'work'], false)).toBe(true);
    // Several names: the filter stays, whatever the store holds.
    expect(passes(['home', 'work'], true)).toBe(false);
    raw.close();
  });

  it('pages a default search of an all-global store as it pages every scope ("*"), cursor and all', () => {
    const db = MemoryDatabase.open(file, { key });
    try {
      for (let i = 0; i < 25; i++)
        db.create(
          { content: `Note ${i} about the migration plan, step ${i % 7}.`, importance: (i % 10) / 10 },
          `n${i}`,
        );
      const pages = (scopes?: { names: string[]; global: boolean }) => {
        const seen: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = db.search({
            query: 'migration step',
            limit: 10,
            scopes,
            ...(cursor ? { cursor } : {}),
          });
          seen.push(page.memories.map((m) => `${m.id}:${m.score}`));
          cursor = page.next_cursor ?? undefined;
        } while (cursor);
        return seen;
      };
      const all = pages(undefined);
      expect(all.flat()).toHaveLength(25);
      expect(pages({ names: [], global: true })).toEqual(all);
      expect(pages({ names: ['work'], global: true })).toEqual(all);
      // A cursor of the default search stays good once the store is no longer all global.
      const first = db.search({ query: 'migration step', limit: 10, scopes: { names: [], global: true } });
      db.create({ content: 'A scoped note about the migration step.', scope: 'work' }, 's');
      const second = db.search({
        query: 'migration step',
        limit: 10,
        scopes: { names: [], global: true },
        cursor: first.next_cursor!,
      });
      expect(second.memories.map((m) => m.id)).toEqual(all[1]!.map((hit) => hit.split(':')[0]));
    } finally {
      db.close();
    }
  });
});
