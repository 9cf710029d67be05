/**
 * Converting a store written by release 0.1 (a plaintext SQLite file of sealed blobs under user
 * 'local') into the encrypted memory database, once, crash-safely:
 *
 * 1. Processes that find the old file take turns through an exclusive lock on a lock file beside
 *    it (an SQLite lock, so a killed holder releases it); each re-checks the store under the lock.
 * 2. The old file's WAL is checkpointed and the file switched to a rollback journal, so no -wal
 *    is left to meet the new file later; the blobs are read and opened with the local key.
 * 3. The new store is written under a temporary name, synced, and renamed over the old one.
 *
 * A kill before the rename leaves the old store (and a temporary file the next run discards); a
 * kill after it leaves the new one. Content no key opens is kept as it was, marked unreadable.
 */
import { chmodSync, existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type RawBlob, SELECT_BLOB, toBlob } from '../blob-store/blob-rows.js';
import { DecryptionError, fingerprint, open } from '../crypto/codec.js';
import type { Memory, TagMeta } from '../memory/types.js';
import { inspectStoreFile, storeError, syncDirectory, syncFile } from './database.js';
import { MemoryDatabase } from './memory-db.js';
import { newDatabase } from './native-module.js';

const LEGACY_USER = 'local';
/** How long a process waits for another to finish converting (100,000 memories take seconds). */
const LOCK_WAIT_MS = 180_000;

export interface LegacyKeys {
  localKey: Buffer;
  storeKey: Buffer;
  keyFile: string;
}

/** Converts `file` if it is a 0.1 store; true when this call did the conversion. */
export function convertLegacyStore(file: string, keys: LegacyKeys): boolean {
  if (inspectStoreFile(file) !== 'plaintext') return false;
  const lockFile = `${file}.lock`;
  // Owner-only from the start, like the store beside it.
  writeFileSync(lockFile, '', { flag: 'a', mode: 0o600 });
  chmodSync(lockFile, 0o600);
  const lock = newDatabase(lockFile, { timeout: LOCK_WAIT_MS });
  let settled = false;
  try {
    lock.exec('CREATE TABLE IF NOT EXISTS conversion (at TEXT)');
    lock.exec('BEGIN EXCLUSIVE');
    settled = inspectStoreFile(file) !== 'plaintext';
    if (settled) return false; // converted while we waited
    const legacy = readLegacy(file, keys.localKey);
    settled = !legacy;
    if (!legacy) return false; // not a 0.1 store: opening it reports that
    writeConverted(file, legacy, keys);
    settled = true;
    return true;
  } catch (error) {
    throw storeError(error, file, keys.keyFile);
  } finally {
    if (lock.inTransaction) lock.exec('COMMIT');
    lock.close();
    // Once the store is converted (or found not to need it), nobody needs the lock again: later
    // processes see an encrypted store before they look for it, and one still waiting on this
    // file re-checks the store once it has the lock. After a failed conversion it stays, since
    // a waiting process may convert under it and a newcomer must meet the same lock.
    if (settled) rmSync(lockFile, { force: true });
  }
}

interface Legacy {
  memories: { memory: Memory; fingerprint: string | null; sealed: string | null }[];
  tags: TagMeta[];
}

function readLegacy(file: string, localKey: Buffer): Legacy | undefined {
  const old = newDatabase(file, { timeout: LOCK_WAIT_MS, fileMustExist: true });
  try {
    const hasBlobs = old.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'blobs'`).get();
    if (!hasBlobs) return undefined;
    // Read in the order 0.1 listed them (created_at, then id), which the new store keeps as row order.
    // Everything in the WAL into the file, then no WAL at all: a stale -wal must never sit beside the new store.
    old.pragma('wal_checkpoint(TRUNCATE)');
    const blobs = (
      old
        .prepare(`${SELECT_BLOB} WHERE b.user_id = ? ORDER BY b.created_at, b.id`)
        .all(LEGACY_USER) as RawBlob[]
    ).map(toBlob);
    const tags = old
      .prepare('SELECT name, description, color FROM tags WHERE user_id = ?')
      .all(LEGACY_USER) as { name: string; description: string; color: string }[];
    old.pragma('journal_mode = DELETE');
    // Release 0.1 had no scopes: its memories come back global.
    const memories = blobs.map(({ user_id: _user, tag_ids: _tagIds, content: sealed, ...fields }) => {
      const rest = { ...fields, scope: null };
      try {
        const content = open(sealed, localKey);
        return { memory: { ...rest, content }, fingerprint: fingerprint(content, localKey), sealed: null };
      } catch (error) {
        if (!(error instanceof DecryptionError)) throw error;
        return { memory: { ...rest, content: '', unreadable: true as const }, fingerprint: null, sealed };
      }
    });
    return {
      memories,
      tags: tags.map(({ name, description, color }) => ({
        name,
        ...(description ? { description } : {}),
        color,
      })),
    };
  } finally {
    old.close();
  }
}

function writeConverted(file: string, legacy: Legacy, keys: LegacyKeys): void {
  const temp = `${file}.converting`;
  const clear = (base: string) => {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${base}${suffix}`, { force: true });
  };
  clear(temp); // what a killed conversion left
  const db = MemoryDatabase.open(temp, { key: keys.storeKey });
  try {
    db.transaction(() => {
      for (const { memory, fingerprint: print, sealed } of legacy.memories) db.put(memory, print, sealed);
      db.setTagMeta(legacy.tags);
    });
    db.compactIndex();
  } finally {
    db.close(); // the last close checkpoints the WAL into the file and removes it
  }
  if (existsSync(`${temp}-wal`)) throw new Error('the converted store kept a WAL file');
  syncFile(temp);
  // The old file is in rollback mode now; any -shm or empty -wal left is the old file's and must go first.
  for (const suffix of ['-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  renameSync(temp, file);
  syncDirectory(path.dirname(file));
}
