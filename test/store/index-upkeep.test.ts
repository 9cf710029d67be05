import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { IndexUpkeep } from '../../src/store/index-upkeep.js';
import { MemoryDatabase, type MemoryDatabaseOptions } from '../../src/store/memory-db.js';
import { MEMORY_MIGRATIONS } from '../../src/store/memory-schema.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
const open: MemoryDatabase[] = [];
const key = randomBytes(32);
let n = 0;
const file = () => path.join(dir, 'memories.db');
const openDb = (options: Omit<MemoryDatabaseOptions, 'key'> = {}) => {
  const db = MemoryDatabase.open(file(), { key, ...options });
  open.push(db);
  return db;
};
const create = (db: MemoryDatabase, words = 'espresso beans grinder') =>
  db.create({ content: `${words} note ${n}` }, `fp${n++}`).memory;

beforeEach(async () => {
  dir = await makeTempDir('index-upkeep');
});
afterEach(async () => {
  for (const db of open.splice(0)) db.close();
  await removeTempDir(dir);
});

async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

const ids = (db: MemoryDatabase, query: string) =>
  db.search({ query, limit: 50 }).memories.map((memory) => memory.id);

describe('index upkeep', () => {
  it('counts every index write, whichever process made it, across restarts', () => {
    const a = openDb({ upkeep: { minWrites: 1_000 } });
    const b = openDb({ upkeep: { minWrites: 1_000 } });
    const first = create(a);
    create(b);
    a.update(first.id, { content: 'decaf from now on' });
    // Neither a change of importance alone nor a meta write touches the index.
    a.update(first.id, { importance: 0.9 });
    a.setMeta('unrelated', 'x');
    expect(a.indexWrites().writes).toBe(3);
    expect(ids(b, 'decaf')).toEqual([first.id]);
    b.delete(first.id);
    expect(a.indexWrites().writes).toBe(4);
    a.close();
    b.close();
    expect(openDb().indexWrites().writes).toBe(4);
  });

  it('merges the index in the first idle spell once the writes are due, then counts again', async () => {
    const db = openDb({ upkeep: { idleMs: 100, minWrites: 30 } });
    const made = Array.from({ length: 40 }, () => create(db).id);
    // Writing keeps the merge waiting; it is still due right after the last write.
    expect(db.indexWrites().writes).toBe(40);
    await until(() => db.indexWrites().writes === 0);
    // Nothing is left to merge, and nothing was lost in the merge.
    expect(db.compactStep()).toBe('done');
    expect(ids(db, 'espresso').sort()).toEqual([...made].sort());
  });

  it('merges within the longest wait although the writes never pause for the idle spell', async () => {
    const db = openDb({ upkeep: { idleMs: 250, maxWaitMs: 300, minWrites: 5 } });
    for (let i = 0; i < 40; i++) {
      create(db);
      await sleep(25);
    }
    // 40 writes, 25 ms apart, never 250 ms idle: a merge came all the same and started the count again.
    expect(db.indexWrites().writes).toBeLessThan(40);
  });

  it('leaves an index that is not due alone', async () => {
    const db = openDb({ upkeep: { idleMs: 20, minWrites: 30 } });
    for (let i = 0; i < 20; i++) create(db);
    await sleep(200);
    expect(db.indexWrites().writes).toBe(20);
    expect(db.compactStep()).toBe('merged'); // segments were there to merge
  });

  it('merges in a later process what an earlier one left due', async () => {
    const first = openDb({ upkeep: { idleMs: 60_000, minWrites: 10 } });
    for (let i = 0; i < 12; i++) create(first);
    first.close();
    const next = openDb({ upkeep: { idleMs: 50, minWrites: 10 } });
    await until(() => next.indexWrites().writes === 0);
    expect(ids(next, 'grinder')).toHaveLength(12);
  });

  it('counts a store indexed before the count existed as written once over', () => {
    const old = openDatabase(file(), { key, migrations: MEMORY_MIGRATIONS.slice(0, 2) });
    const insert = old.prepare(
      `INSERT INTO memories (id, content, created_at, created_ms, updated_at, updated_ms)
       VALUES (?, 'espresso', '2026-01-01T00:00:00.000Z', 0, '2026-01-01T00:00:00.000Z', 0)`,
    );
    for (let i = 0; i < 7; i++) insert.run(`mem_${i}`);
    old.close();
    expect(openDb({ upkeep: { minWrites: 1_000 } }).indexWrites().writes).toBe(7);
  });

  it('never waits for another process’s write lock: it tries again later, the event loop running', async () => {
    const errors: unknown[] = [];
    // The store's own busy timeout stays the default 5 s, which writes keep.
    const db = openDb({ upkeep: { idleMs: 50, minWrites: 10, onError: (e) => errors.push(e) } });
    for (let i = 0; i < 12; i++) create(db);
    const other = new Database(file());
    other.pragma(`cipher = 'chacha20'`);
    other.pragma(`key = "x'${key.toString('hex')}'"`);
    other.prepare('BEGIN IMMEDIATE').run();
    // Over several attempts, the longest the event loop went without turning.
    let last = Date.now();
    let longest = 0;
    const ticker = setInterval(() => {
      longest = Math.max(longest, Date.now() - last);
      last = Date.now();
    }, 5);
    await sleep(400);
    clearInterval(ticker);
    expect(longest).toBeLessThan(1_000);
    expect(db.indexWrites().writes).toBe(12);
    other.prepare('ROLLBACK').run();
    other.close();
    // No write needed: the merge was still due, and comes on its own.
    await until(() => db.indexWrites().writes === 0);
    expect(errors).toEqual([]);
  });

  it('reports a merge that fails for another reason, and tries again only after the next write', async () => {
    const errors: unknown[] = [];
    let steps = 0;
    const upkeep = new IndexUpkeep(
      {
        indexWrites: () => ({ writes: 500, size: 1_000 }),
        compactStep: () => {
          steps++;
          if (steps === 1) throw new Error('database disk image is malformed');
          return 'done';
        },
      },
      { idleMs: 10, onError: (error) => errors.push(error) },
    );
    upkeep.noteWrite();
    await until(() => errors.length === 1);
    await sleep(100);
    expect(steps).toBe(1); // a lasting fault is not retried in a loop
    upkeep.noteWrite();
    await until(() => steps === 2);
    upkeep.stop();
    expect(String(errors[0])).toContain('malformed');
  });

  it('never fails the write it follows when the count cannot be read, and says why', () => {
    const errors: unknown[] = [];
    const failing = {
      indexWrites: () => {
        throw new Error('disk I/O error');
      },
      compactStep: () => 'done' as const,
    };
    const upkeep = new IndexUpkeep(failing, {
      onError: (error) => {
        errors.push(error);
        throw new Error('the logger failed too');
      },
    });
    expect(() => upkeep.noteWrite()).not.toThrow();
    expect(String(errors[0])).toContain('disk I/O error');
    upkeep.stop();
  });
});
