/**
 * A keyed store that does not open: a wrong key, or a damaged first page? Both fail page 1's
 * checksum the same way; this module tells them apart, so the user restores the right thing.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { MemoramError } from '../memory/errors.js';
import { newDatabase } from './native-module.js';

/**
 * Whether `key` reads the file's first page once page checksums are off. A wrong key and a
 * damaged first page both fail the checksum; but ChaCha20 changes only the bytes that were
 * damaged, so under the right key the page still holds a database header (the schema read then
 * succeeds, or finds the pages it points to missing), while under a wrong key it is noise and
 * SQLite finds no database in it. The page is copied to a private temporary file, so the store,
 * its WAL and its locks are not touched.
 */
export function readsWithoutChecksums(file: string, key: Buffer): boolean {
  const dir = mkdtempSync(path.join(tmpdir(), 'memoram-check-'));
  let db: Database.Database | undefined;
  try {
    const head = Buffer.alloc(65_536);
    const fd = openSync(file, 'r');
    try {
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
    const size = head.readUInt16BE(16);
    const copy = path.join(dir, 'page-1.db');
    writeFileSync(copy, head.subarray(0, size === 1 ? 65_536 : size), { mode: 0o600 });
    db = newDatabase(copy, { fileMustExist: true });
    db.pragma(`cipher = 'chacha20'`);
    db.pragma('hmac_check = 0');
    db.pragma(`key = "x'${key.toString('hex')}'"`);
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return true;
  } catch (error) {
    return String((error as { code?: unknown }).code).startsWith('SQLITE_CORRUPT');
  } finally {
    db?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function damagedUnderKey(file: string, keyFile: string | undefined, cause: unknown): MemoramError {
  const key = keyFile ? `the local key in ${keyFile}` : 'its key';
  return new MemoramError(
    'STORE_UNAVAILABLE',
    `The memory database ${file} is damaged: ${key} is the right one, but the file's first page does not check out.`,
    {
      hint: 'Restore the store from a backup, or move it aside to start a new, empty store.',
      cause,
    },
  );
}
