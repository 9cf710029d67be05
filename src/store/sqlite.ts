/**
 * Opening the SQLite file the store lives in, safely for several processes at once (WAL, a busy
 * timeout, owner-only permissions, migrations), and turning SQLite's failures into errors a
 * person can act on.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MemoramError } from '../memory/errors.js';
import { nativeModuleError } from './native-module.js';
import { migrate } from './schema.js';

/** Opens (creating if needed) the database at `file`, or an in-memory one for ':memory:'. */
export function openDatabase(file: string, busyTimeoutMs: number): Database.Database {
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file, { timeout: busyTimeoutMs });
    // Titles, summaries and tags are plaintext in here; SQLite gives its -wal and -shm files the
    // same mode as the database, so this one chmod covers all three.
    if (file !== ':memory:') chmodSync(file, 0o600);
    try {
      if (file !== ':memory:') useWal(db, busyTimeoutMs);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return db;
  } catch (error) {
    throw nativeModuleError(error) ?? storeError(error, file);
  }
}

/** Translates SQLite failures into an error a person can act on; anything else passes through. */
export function storeError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      'The memory database is busy: another program holds a lock on it.',
      {
        hint: 'Try again in a moment.',
        cause: error,
      },
    );
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      `The memory database file ${file} is damaged or is not a database.`,
      {
        hint: 'Restore it from a backup, or move it aside to start a new, empty store.',
        cause: error,
      },
    );
  }
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR')
  ) {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      `The memory database file ${file} cannot be written or read.`,
      {
        hint: 'Check that the data directory exists and is writable, and that the disk is not full.',
        cause: error,
      },
    );
  }
  return new MemoramError('STORE_UNAVAILABLE', 'The memory database reported an error.', { cause: error });
}

/**
 * Switches the file to WAL once in its life. Switching takes the file exclusively and SQLite does
 * not wait for that lock, so two servers starting at once on a new store would see "busy": the
 * switch is retried within the busy timeout, and skipped when another process already made it.
 */
function useWal(db: Database.Database, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // a synchronous pause: open() is synchronous
    }
  }
}
