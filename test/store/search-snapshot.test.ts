/**
 * A search reads one snapshot of the store. Its statements (each term's matches, then the
 * importance and age of the likely hits, then the page's rows) used to be separate snapshots, so a
 * delete plus an insert by another connection between them could hand the deleted memory's rowid,
 * and with it its score, to a memory that does not match at all. The second connection writes
 * from inside the search, right after its first statement, through a wrapper on better-sqlite3's
 * Statement#all that only sequences the calls: both connections are real, on one real file.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
let searcher: MemoryDatabase;
let writer: MemoryDatabase;
const key = randomBytes(32);

beforeEach(async () => {
  dir = await makeTempDir('search-snapshot');
  const file = path.join(dir, 'memories.db');
  searcher = MemoryDatabase.open(file, { key });
  writer = MemoryDatabase.open(file, { key });
});
afterEach(async () => {
  searcher.close();
  writer.close();
  await removeTempDir(dir);
});

/** Runs `between` once, right after the first statement whose SQL contains `marker` has run. */
function afterStatement(marker: string, between: () => void): () => void {
  // Every connection's statements share one prototype; a scratch connection reaches it.
  const scratch = new Database(':memory:');
  const proto = Object.getPrototypeOf(scratch.prepare('SELECT 1')) as {
    all: (...args: unknown[]) => unknown;
  };
  scratch.close();
  const original = proto.all;
  let armed = true;
  proto.all = function (this: Database.Statement, ...args: unknown[]) {
    const result = original.apply(this, args);
    if (armed && this.source.includes(marker)) {
      armed = false;
      between();
    }
    return result;
  };
  return () => {
    proto.all = original;
  };
}

it('scores and shows the memories of one snapshot when another connection deletes and inserts meanwhile', () => {
  searcher.create({ content: 'An older note about zebras and their stripes.' }, 'a');
  const newest = searcher.create({ content: 'Zebras graze on the savanna at dawn.' }, 'b');
  let replacement = '';
  const restore = afterStatement('memories_fts MATCH', () => {
    // The newest row's rowid is the highest, so the insert after its delete takes it again.
    writer.delete(newest.memory.id);
    replacement = writer.create({ content: 'Gardening notes: tomatoes need sun.' }, 'c').memory.id;
  });
  let page: ReturnType<MemoryDatabase['search']>;
  try {
    page = searcher.search({ query: 'zebras' });
  } finally {
    restore();
  }
  expect(replacement).not.toBe('');
  const shown = page.memories.map((memory) => memory.id);
  expect(shown).not.toContain(replacement);
  expect(shown).toContain(newest.memory.id);
  // The next search sees the writes.
  expect(searcher.search({ query: 'zebras' }).memories.map((memory) => memory.id)).not.toContain(
    newest.memory.id,
  );
});
