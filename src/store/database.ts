/**
 * The one module that opens store files. A keyed file is encrypted as a whole by SQLite3 Multiple
 * Ciphers (ChaCha20-Poly1305 per page, the WAL included) under a raw 32-byte key; an unkeyed one
 * (the emulator's) is plain SQLite. Every file runs in WAL mode with a busy timeout and
 * synchronous=NORMAL, so several processes share it. A new file is built under a temporary name
 * and linked into place, so a half-made or 0-byte file at the store's path is never ours, and an
 * existing file is never replaced: anything that does not open is reported by name and left as
 * it was.
 */
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { randomBytesPooled } from '../crypto/random.js';
import { MemoramError } from '../memory/errors.js';
import { damagedOrOtherKey, damagedUnderKey, firstPageVerdict } from './first-page.js';
import { type Migration, migrate } from './migrate.js';
import { nativeModuleError, newDatabase } from './native-module.js';

export type SqliteDatabase = Database.Database;

export interface OpenOptions {
  /** The raw 32-byte database key; without one the file is plain SQLite. */
  key?: Buffer | undefined;
  /** Where the key came from, named in a wrong-key error. */
  keyFile?: string | undefined;
  busyTimeoutMs?: number | undefined;
  migrations: readonly Migration[];
}

export const BUSY_TIMEOUT_MS = 5_000;
const CACHE_KIB = 8192;
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** What is at a store's path, judged from its first bytes without opening it. */
export type FileKind = 'missing' | 'empty' | 'plaintext' | 'encrypted' | 'foreign';

export function inspectStoreFile(file: string): FileKind {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw fileError(error, file);
  }
  try {
    const head = Buffer.alloc(100);
    let read: number;
    try {
      read = readSync(fd, head, 0, 100, 0);
    } catch (error) {
      throw fileError(error, file); // EISDIR: a directory opens, and fails at its first read
    }
    if (read === 0) return 'empty';
    if (read < 100) return 'foreign';
    if (head.subarray(0, 16).equals(SQLITE_MAGIC)) return 'plaintext';
    // SQLite3 Multiple Ciphers leaves bytes 16–23 of the header readable (page size, versions,
    // reserved bytes, payload fractions): random-looking salt followed by those is one of its files.
    const pageSize = head.readUInt16BE(16);
    const validPage = pageSize === 1 || (pageSize >= 512 && (pageSize & (pageSize - 1)) === 0);
    const fractions = head[21] === 64 && head[22] === 32 && head[23] === 32;
    return validPage && fractions && head[20]! > 0 ? 'encrypted' : 'foreign';
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens the database at `file` (':memory:' for a private in-memory one), creating it when nothing
 * is there, and brings its schema up to date. A plaintext file meets a key only through the
 * legacy conversion (legacy-store.ts): here it is refused.
 */
export function openDatabase(file: string, options: OpenOptions): SqliteDatabase {
  const busyTimeoutMs = options.busyTimeoutMs ?? BUSY_TIMEOUT_MS;
  if (file === ':memory:') {
    const db = newDatabase(':memory:');
    configure(db, options.key, busyTimeoutMs, false);
    migrate(db, options.migrations);
    return db;
  }
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw fileError(error, file);
  }
  let kind = inspectStoreFile(file);
  if (kind === 'missing') {
    createAtomically(file, options);
    kind = inspectStoreFile(file);
  }
  if (kind === 'empty') {
    throw new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} is an empty file.`, {
      hint: 'Restore the store from a backup, or remove the empty file to start a new store.',
    });
  }
  const expected = options.key ? 'encrypted' : 'plaintext';
  if (kind !== expected) throw notOurs(file, kind, options);
  return openExisting(file, options, busyTimeoutMs);
}

function openExisting(file: string, options: OpenOptions, busyTimeoutMs: number): SqliteDatabase {
  let db: SqliteDatabase;
  try {
    // A store restored from a backup may have come back readable by others.
    chmodSync(file, 0o600);
    db = newDatabase(file, { timeout: busyTimeoutMs, fileMustExist: true });
  } catch (error) {
    throw storeError(error, file);
  }
  try {
    configure(db, options.key, busyTimeoutMs, true);
    migrate(db, options.migrations);
    return db;
  } catch (error) {
    db.close();
    if (options.key && isNotADatabase(error)) {
      const verdict = firstPageVerdict(file, options.key);
      if (verdict === 'damaged') throw damagedUnderKey(file, options.keyFile, error);
      if (verdict === 'either') throw damagedOrOtherKey(file, options.keyFile, error);
    }
    throw storeError(error, file, options.keyFile);
  }
}

function isNotADatabase(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'SQLITE_NOTADB';
}

/** Keys the connection, proves the key by reading the schema, then sets the journal and sync modes. */
function configure(
  db: SqliteDatabase,
  key: Buffer | undefined,
  busyTimeoutMs: number,
  onDisk: boolean,
): void {
  if (key) {
    db.pragma(`cipher = 'chacha20'`);
    db.pragma(`key = "x'${key.toString('hex')}'"`);
  }
  db.prepare('SELECT count(*) FROM sqlite_schema').get();
  if (onDisk) useWal(db, busyTimeoutMs);
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY'); // sorts and temporary tables never spill plaintext to a temp file
  // SQLite's page cache, in KiB: the hot part of a search (the index's doclists, memories_scoring)
  // stays decrypted in it. Over stdio at 10,000 memories 8 MiB answers in 1.23 ms where 4 MiB
  // takes 1.29 ms and the module's default, 16 MiB, no faster than 8; 8 MiB costs about 5 MiB
  // of resident memory, 16 MiB twice that.
  db.pragma(`cache_size = -${CACHE_KIB}`);
}

/** Builds the file under a temporary name and links it into place, never over another file. */
function createAtomically(file: string, options: OpenOptions): void {
  removeAbandoned(file);
  const temp = `${file}.new-${process.pid}-${randomBytesPooled(6).toString('hex')}`;
  try {
    // Created owner-only before SQLite opens it: its -wal and -shm files take the same mode.
    writeFileSync(temp, '', { flag: 'wx', mode: 0o600 });
    const db = newDatabase(temp);
    try {
      configure(db, options.key, options.busyTimeoutMs ?? BUSY_TIMEOUT_MS, true);
      migrate(db, options.migrations);
    } finally {
      db.close(); // the last connection's close checkpoints and removes the -wal
    }
    syncFile(temp);
    try {
      linkSync(temp, file);
    } catch (error) {
      // Another process made the store first: open theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    syncDirectory(path.dirname(file));
  } catch (error) {
    throw storeError(error, file);
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(`${temp}${suffix}`, { force: true });
  }
}

/** Temporary files of creations whose process died (a kill -9 mid-way) go. */
function removeAbandoned(file: string): void {
  const prefix = `${path.basename(file)}.new-`;
  for (const name of readdirSync(path.dirname(file))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && !alive(pid))
      rmSync(path.join(path.dirname(file), name), { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function syncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems cannot fsync a directory; the rename is still atomic there.
  }
}

/**
 * Switches the file to WAL once in its life. Switching takes the file exclusively and SQLite does
 * not wait for that lock, so the switch is retried within the busy timeout.
 */
function useWal(db: SqliteDatabase, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = String((error as { code?: unknown }).code).startsWith('SQLITE_BUSY');
      if (!busy || Date.now() >= deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // open() is synchronous
    }
  }
}

function notOurs(file: string, kind: FileKind, options: OpenOptions): MemoramError {
  if (kind === 'encrypted') {
    return new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} is encrypted.`, {
      hint: 'It belongs to a memoram-mcp local store; point this program at another file.',
    });
  }
  if (kind === 'plaintext' && options.key) {
    return new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} is not encrypted.`, {
      hint: 'It is not a memoram-mcp store this version can open; move it aside to start a new store.',
    });
  }
  return damaged(file);
}

function damaged(file: string, cause?: unknown): MemoramError {
  return new MemoramError(
    'STORE_UNAVAILABLE',
    `The memory database ${file} is damaged or is not a memoram-mcp store.`,
    {
      hint: 'Restore it from a backup, or move it aside to start a new, empty store.',
      cause,
    },
  );
}

function fileError(error: unknown, file: string): MemoramError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return diskFull(file, error);
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      `The memory database ${file} cannot be made: ${path.dirname(file)} (or a folder above it) is a file, not a folder.`,
      { hint: 'Choose another --data-dir / MEMORAM_DATA_DIR, or move that file aside.', cause: error },
    );
  }
  if (code === 'EISDIR') {
    return new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} is a directory, not a file.`, {
      hint: 'Move it aside, or choose another --data-dir / MEMORAM_DATA_DIR (for the emulator, --db).',
      cause: error,
    });
  }
  return new MemoramError(
    'STORE_UNAVAILABLE',
    `The memory database ${file} cannot be read or written (${code ?? 'error'}).`,
    {
      hint: `Check that ${path.dirname(file)} exists and is writable by this user.`,
      cause: error,
    },
  );
}

function diskFull(file: string, cause: unknown): MemoramError {
  return new MemoramError('STORE_UNAVAILABLE', `The disk holding ${file} is full.`, {
    hint: 'Free some space and try again; nothing was written.',
    cause,
  });
}

/** Translates SQLite and file-system failures into an error a person can act on. */
/** SQLite's answer when another connection holds the lock it needed (after the busy timeout). */
export function isLockError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export function storeError(error: unknown, file: string, keyFile?: string): unknown {
  if (error instanceof MemoramError) return error;
  const native = nativeModuleError(error);
  if (native) return native;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return error;
  if (!code.startsWith('SQLITE_')) return code.startsWith('E') ? fileError(error, file) : error;
  if (isLockError(error)) {
    return new MemoramError(
      'STORE_UNAVAILABLE',
      `The memory database ${file} is busy: another program holds a lock on it.`,
      {
        hint: 'Try again in a moment.',
        cause: error,
      },
    );
  }
  if (code === 'SQLITE_NOTADB' && keyFile && inspectStoreFile(file) === 'encrypted') {
    return new MemoramError('STORE_UNAVAILABLE', `The local key in ${keyFile} does not open ${file}.`, {
      hint: 'Restore the key that made it, or move the store aside to start a new, empty store.',
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return damaged(file, error);
  if (code === 'SQLITE_FULL') return diskFull(file, error);
  if (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_PERM'
  ) {
    return new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} cannot be read or written.`, {
      hint: `Check that ${path.dirname(file)} and the file are writable by this user, and that the disk is not full.`,
      cause: error,
    });
  }
  return new MemoramError('STORE_UNAVAILABLE', `The memory database ${file} reported an error.`, {
    cause: error,
  });
}

export function fileSize(file: string): number {
  return statSync(file).size;
}
