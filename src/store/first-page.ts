/**
 * A keyed store that does not open: a wrong key, or a damaged first page? Both fail page 1's
 * checksum the same way; this module tells them apart, so the user restores the right thing.
 */
import {
  closeSync,
  fstatSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';
import { MemoramError } from '../memory/errors.js';
import { newDatabase } from './native-module.js';

/** How many of the store's later pages the key is tried on: one that checks out settles it. */
const PAGES_TRIED = 8;

/** The page sizes SQLite can have. */
const PAGE_SIZES = [512, 1024, 2048, 4096, 8192, 16_384, 32_768, 65_536];

/**
 * `damaged`: the key is the store's and its first page is damaged. `wrong-key`: the key is not
 * the store's. `either`: the file holds too few pages, or too damaged a header, to tell.
 */
export type FirstPageVerdict = 'damaged' | 'wrong-key' | 'either';

/**
 * Whether a key whose open failed on page 1 is the store's own. Every page carries a checksum
 * under the key and its page number, so the answer is in the pages after the first: they are
 * copied, at their own positions, behind a fresh first page made with the key, and one that
 * checks out there proves the key (a wrong key passes a page's checksum with odds of 2^-128).
 * A header read with checksums off cannot settle it: a wrong key's noise is taken for a
 * malformed disk image about once in 50 keys, as a damaged page is. All of it happens in a
 * private temporary directory, so the store, its WAL and its locks are not touched.
 */
export function firstPageVerdict(file: string, key: Buffer): FirstPageVerdict {
  const dir = mkdtempSync(path.join(tmpdir(), 'memoram-check-'));
  try {
    const { pageSize, size } = storeGeometry(file);
    // The page size is in the header's plaintext, which no key changes: one SQLite cannot have
    // is damage, but then the pages cannot be found to tell whether the key is the store's.
    if (!PAGE_SIZES.includes(pageSize)) return 'either';
    const pages = Math.floor(size / pageSize);
    if (pages >= 3) return laterPagesCheckOut(file, key, dir, pageSize, pages) ? 'damaged' : 'wrong-key';
    return headerVerdict(file, key, dir, pageSize);
  } catch {
    return 'either';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function storeGeometry(file: string): { pageSize: number; size: number } {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(18);
    readSync(fd, header, 0, header.length, 0);
    // Bytes 16-23 of the header stay in plaintext; 1 stands for 65,536.
    const value = header.readUInt16BE(16);
    return { pageSize: value === 1 ? 65_536 : value, size: fstatSync(fd).size };
  } finally {
    closeSync(fd);
  }
}

function keyed(file: string, key: Buffer, checksums = true): Database.Database {
  const db = newDatabase(file);
  db.pragma(`cipher = 'chacha20'`);
  if (!checksums) db.pragma('hmac_check = 0'); // read when the key is set
  db.pragma(`key = "x'${key.toString('hex')}'"`);
  return db;
}

/**
 * A fresh store under the key whose one table holds a row per page tried, each row's value
 * running onto an overflow page of its own (pages 3 onwards); the store's pages then replace
 * those overflow pages, and reading a row reads its page through the checksum.
 */
function laterPagesCheckOut(
  file: string,
  key: Buffer,
  dir: string,
  pageSize: number,
  pages: number,
): boolean {
  const tried = Math.min(PAGES_TRIED, pages - 2);
  const probe = path.join(dir, 'probe.db');
  writeFileSync(probe, '', { mode: 0o600 });
  let db = keyed(probe, key);
  try {
    db.pragma(`page_size = ${pageSize}`);
    db.exec('CREATE TABLE t(x)');
    const insert = db.prepare('INSERT INTO t VALUES (zeroblob(?))');
    db.transaction(() => {
      for (let i = 0; i < tried; i++) insert.run(pageSize); // longer than a page holds: overflows
    })();
  } finally {
    db.close();
  }
  const bytes = readFileSync(probe);
  if (bytes.length !== (2 + tried) * pageSize) throw new Error('unexpected probe layout');
  const fd = openSync(file, 'r');
  try {
    readSync(fd, bytes, 2 * pageSize, tried * pageSize, 2 * pageSize);
  } finally {
    closeSync(fd);
  }
  writeFileSync(probe, bytes);
  db = keyed(probe, key);
  try {
    const read = db.prepare('SELECT x FROM t WHERE rowid = ?');
    for (let row = 1; row <= tried; row++) {
      try {
        read.get(row);
        return true;
      } catch {
        // this page does not check out under the key: try the next
      }
    }
    return false;
  } finally {
    db.close();
  }
}

/**
 * A store of one or two pages: its first page read with checksums off. Under the right key
 * ChaCha20 changes only the damaged bytes, so a schema that reads, or reads as malformed, shows
 * the key; a disk image "malformed" in general a wrong key gives too.
 */
function headerVerdict(file: string, key: Buffer, dir: string, pageSize: number): FirstPageVerdict {
  const copy = path.join(dir, 'page-1.db');
  const head = Buffer.alloc(pageSize);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, pageSize, 0);
  } finally {
    closeSync(fd);
  }
  writeFileSync(copy, head, { mode: 0o600 });
  const db = keyed(copy, key, false);
  try {
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return 'damaged';
  } catch (error) {
    if (/malformed database schema/.test(String((error as Error).message))) return 'damaged';
    return String((error as { code?: unknown }).code).startsWith('SQLITE_CORRUPT') ? 'either' : 'wrong-key';
  } finally {
    db.close();
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

export function damagedOrOtherKey(file: string, keyFile: string | undefined, cause: unknown): MemoramError {
  const key = keyFile ? `the local key in ${keyFile}` : 'its key';
  return new MemoramError(
    'STORE_UNAVAILABLE',
    `The memory database ${file} does not open with ${key}: its first page is damaged, or the key is not this store's.`,
    {
      hint: 'If the key file was replaced or restored, put back the key this store was made with; otherwise restore the store from a backup, or move it aside to start a new, empty store.',
      cause,
    },
  );
}
