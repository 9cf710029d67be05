import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/blob-store/blob-store.js';
import { BLOB_MIGRATIONS } from '../../src/blob-store/schema.js';
import { MemoramError } from '../../src/memory/errors.js';

const SCHEMA_VERSION = BLOB_MIGRATIONS.length;

let root: string;
let file: string;
let store: BlobStore;
const U = 'user-1';

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memoram-store-'));
  file = path.join(root, 'data', 'memories.db');
  store = BlobStore.open(file);
});
afterEach(async () => {
  store.close();
  await rm(root, { recursive: true, force: true });
});

describe('BlobStore', () => {
  it('creates blobs with Memoram field spellings, tags with ids, and reads them back', () => {
    const { blob, existing } = store.createBlob(U, {
      content: 'cipher',
      title: 'T',
      summary: 'S',
      tags: ['work', 'important', 'work'],
      importance: 0.8,
      confidence: 0.9,
      source: 'test',
    });
    expect(existing).toBe(false);
    expect(blob.id).toMatch(/^mem_[0-9a-f]{24}$/);
    expect(Object.keys(blob).sort()).toEqual(
      [
        'confidence',
        'content',
        'created_at',
        'id',
        'importance',
        'source',
        'summary',
        'tag_ids',
        'tags',
        'title',
        'updated_at',
        'user_id',
      ].sort(),
    );
    expect(blob.tags).toEqual(['work', 'important']);
    expect(blob.tag_ids).toHaveLength(2);
    expect(blob.tag_ids.every((id) => id.startsWith('tag_'))).toBe(true);
    expect(store.getBlob(U, blob.id)).toEqual(blob);
    expect(store.getBlob('someone-else', blob.id)).toBeUndefined();
  });

  it('returns the existing blob for a repeated fingerprint instead of writing a second one', () => {
    const first = store.createBlob(U, { content: 'a', fingerprint: 'fp1' });
    const again = store.createBlob(U, { content: 'b', fingerprint: 'fp1' });
    expect(again.existing).toBe(true);
    expect(again.blob.id).toBe(first.blob.id);
    expect(store.listBlobs(U, { limit: 10 }).blobs).toHaveLength(1);
    expect(store.createBlob('user-2', { content: 'c', fingerprint: 'fp1' }).existing).toBe(false);
  });

  it('updates only the given fields, replaces tags, and strictly advances updated_at', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const { blob } = store.createBlob(U, { content: 'c', title: 'old', tags: ['a', 'b'] }, now);
    const outcome = store.updateBlob(U, blob.id, { title: 'new', tags: ['c'] }, blob.updated_at, now);
    expect(outcome.status).toBe('updated');
    if (outcome.status !== 'updated') return;
    expect(outcome.blob.title).toBe('new');
    expect(outcome.blob.content).toBe('c');
    expect(outcome.blob.tags).toEqual(['c']);
    expect(outcome.blob.updated_at > blob.updated_at).toBe(true);
  });

  it('refuses a stale expected updated_at with the current value, and reports unknown ids', () => {
    const { blob } = store.createBlob(U, { content: 'c' });
    const first = store.updateBlob(U, blob.id, { title: 'x' });
    const stale = store.updateBlob(U, blob.id, { title: 'y' }, blob.updated_at);
    expect(stale.status).toBe('conflict');
    expect(stale).toMatchObject({
      current_updated_at: first.status === 'updated' ? first.blob.updated_at : '',
    });
    expect(store.getBlob(U, blob.id)?.title).toBe('x');
    expect(store.updateBlob(U, 'mem_missing', { title: 'z' }).status).toBe('not_found');
  });

  it('deletes once, leaving a tombstone that changesSince reports', () => {
    const { blob } = store.createBlob(U, { content: 'c' });
    const before = store.changesSince(U, 0);
    expect(before.blobs.map((b) => b.id)).toEqual([blob.id]);
    expect(store.deleteBlob(U, blob.id)).toBe(true);
    expect(store.deleteBlob(U, blob.id)).toBe(false);
    const after = store.changesSince(U, before.rev);
    expect(after.deleted).toEqual([blob.id]);
    expect(after.blobs).toEqual([]);
    expect(store.changesSince(U, after.rev)).toEqual({ blobs: [], deleted: [], rev: after.rev });
  });

  it('lists newest first with an opaque cursor, filters, and no duplicates across pages', () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 25; i++) {
      store.createBlob(
        U,
        {
          content: `content ${i}`,
          title: i % 2 ? 'Odd' : 'Even',
          tags: i % 3 === 0 ? ['three'] : [],
          importance: i / 25,
        },
        new Date(base + Math.floor(i / 2) * 1000),
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.listBlobs(U, { limit: 7, cursor });
      seen.push(...page.blobs.map((b) => b.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
    const created = seen.map((id) => store.getBlob(U, id)!.created_at);
    expect([...created].sort().reverse()).toEqual(created);
    expect(store.listBlobs(U, { limit: 100, tags: ['three', 'none'] }).blobs).toHaveLength(9);
    expect(store.listBlobs(U, { limit: 100, searchQuery: 'ODD' }).blobs).toHaveLength(12);
    expect(store.listBlobs(U, { limit: 100, importance: 0.8 }).blobs).toHaveLength(5);
    expect(() => store.listBlobs(U, { limit: 5, cursor: 'garbage' })).toThrow(MemoramError);
  });

  it('keeps tags per user, one row per name', () => {
    store.createBlob(U, { content: 'a', tags: ['x', 'y'] });
    store.createBlob(U, { content: 'b', tags: ['x'] });
    expect(store.listTags(U).map(({ name }) => name)).toEqual(['x', 'y']);
    const tag = store.listTags(U)[0]!;
    expect(store.getTag(U, tag.id)).toMatchObject({
      name: 'x',
      color: '#9CA3AF',
      is_enabled: true,
      description: '',
    });
    expect(store.listTags('other')).toEqual([]);
  });

  it('keeps the database and its WAL files readable by the owner only', async () => {
    store.createBlob(U, { content: 'private' });
    for (const suffix of ['', '-wal', '-shm']) {
      expect((await stat(`${file}${suffix}`)).mode & 0o777, suffix || 'db').toBe(0o600);
    }
  });

  it('keeps data across reopen and records the schema version', () => {
    const { blob } = store.createBlob(U, { content: 'persist' });
    store.close();
    store = BlobStore.open(file);
    expect(store.getBlob(U, blob.id)?.content).toBe('persist');
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('gives a clear error for a file that is not a database', async () => {
    const bad = path.join(root, 'bad.db');
    await writeFile(bad, 'this is not sqlite, just some text that is long enough to matter'.repeat(100));
    expect(() => BlobStore.open(bad)).toThrow(/damaged or is not a memoram-mcp store/);
  });

  it('refuses a database written by a newer schema', () => {
    store.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => BlobStore.open(file)).toThrow(/newer version/);
    store = BlobStore.open(':memory:');
  });

  it('waits for another process to let go before switching a new file to WAL', async () => {
    // Switching to WAL takes the file exclusively and SQLite does not wait for that lock by itself:
    // a second server starting while the first held a lock used to fail at once with "busy".
    const fresh = path.join(root, 'fresh.db');
    const holder = spawn(process.execPath, [
      '-e',
      `const db = new (require('better-sqlite3-multiple-ciphers'))(${JSON.stringify(fresh)});
       db.exec('CREATE TABLE held (x)'); db.exec('BEGIN IMMEDIATE'); db.exec('INSERT INTO held VALUES (1)');
       process.stdout.write('locked\\n');
       setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
    ]);
    await new Promise((resolve) => holder.stdout.once('data', resolve));
    const opened = BlobStore.open(fresh);
    try {
      expect(opened.createBlob(U, { content: 'after the lock' }).existing).toBe(false);
    } finally {
      opened.close();
    }
    const raw = new Database(fresh, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
  });

  it('reports a locked database as busy instead of crashing', () => {
    const locker = new Database(file);
    locker.exec('BEGIN IMMEDIATE');
    const impatient = BlobStore.open(file, { busyTimeoutMs: 50 });
    try {
      expect(() => impatient.createBlob(U, { content: 'x' })).toThrow(/busy/);
    } finally {
      locker.exec('ROLLBACK');
      locker.close();
      impatient.close();
    }
  });
});
