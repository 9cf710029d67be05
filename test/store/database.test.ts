// The store file at rest and when it cannot be opened: nothing readable in it, and every fault
// named with the file, the file left as it was.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoramError } from '../../src/memory/errors.js';
import { openLocalBackend } from '../../src/store/local-backend.js';
import { MemoryDatabase } from '../../src/store/memory-db.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('database');
});
afterEach(async () => {
  chmodSync(dir, 0o700);
  await removeTempDir(dir);
});

const file = () => path.join(dir, 'memories.db');
const snapshot = () =>
  Object.fromEntries(
    readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name)).toString('hex')]),
  );

/**
 * `count` random keys that are not the store's, whose first page read with checksums off fails
 * as a malformed disk image, or as no database at all.
 */
function wrongKeys(store: string, kind: 'malformed' | 'not a database', count: number): Buffer[] {
  const scratch = mkdtempSync(path.join(tmpdir(), 'memoram-keys-'));
  const copy = path.join(scratch, 'page-1.db');
  const keys: Buffer[] = [];
  for (let tries = 0; keys.length < count && tries < 5_000; tries++) {
    writeFileSync(copy, readFileSync(store).subarray(0, 4096));
    const key = randomBytes(32);
    const db = new Database(copy);
    try {
      db.pragma(`cipher = 'chacha20'`);
      db.pragma('hmac_check = 0');
      db.pragma(`key = "x'${key.toString('hex')}'"`);
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
    } catch (error) {
      const malformed = (error as Error).message === 'database disk image is malformed';
      if (malformed === (kind === 'malformed')) keys.push(key);
    } finally {
      db.close();
    }
  }
  rmSync(scratch, { recursive: true, force: true });
  expect(keys).toHaveLength(count);
  return keys;
}

function refusal(open: () => unknown): MemoramError {
  try {
    open();
  } catch (error) {
    expect(error).toBeInstanceOf(MemoramError);
    return error as MemoramError;
  }
  throw new Error('expected the open to fail');
}

describe('the store at rest', () => {
  it('holds no plaintext content, title or tag in the database, WAL or journal', async () => {
    const backend = await openLocalBackend({ storeFile: file(), configDir: path.join(dir, 'config') });
    for (let i = 0; i < 50; i++) {
      await backend.create(
        {
          content: `zanzibarcontent ${i} ${'filler '.repeat(i)}`,
          title: `quokkatitle ${i}`,
          tags: ['wombattag'],
        },
        backend.fingerprint(`zanzibarcontent ${i} ${'filler '.repeat(i)}`, null),
      );
    }
    const names = readdirSync(dir).filter((name) => name.startsWith('memories.db'));
    expect(names).toContain('memories.db-wal'); // still open: the WAL holds the recent writes
    for (const name of names) {
      const bytes = readFileSync(path.join(dir, name));
      for (const word of ['zanzibarcontent', 'quokkatitle', 'wombattag', 'filler']) {
        expect(bytes.includes(word), `${word} in ${name}`).toBe(false);
      }
    }
    await backend.close();
  }, 30_000);
});

describe('opening a store that does not open', () => {
  it('refuses a wrong key by name, naming the key file and leaving the store untouched', () => {
    const db = MemoryDatabase.open(file(), { key: randomBytes(32) });
    db.create({ content: 'kept' }, 'f');
    db.close();
    const before = snapshot();
    // Both kinds of wrong key: the one in ~50 whose page 1 reads as a malformed disk image (as a
    // damaged page does) and the common one whose page 1 is no database at all.
    for (const kind of ['malformed', 'not a database'] as const) {
      for (const key of wrongKeys(file(), kind, 3)) {
        const error = refusal(() => MemoryDatabase.open(file(), { key, keyFile: '/cfg/local.key' }));
        expect(error.code).toBe('STORE_UNAVAILABLE');
        expect(error.userText).toContain(`The local key in /cfg/local.key does not open ${file()}`);
        expect(error.userText).toMatch(/restore the key/i);
        expect(error.userText).not.toMatch(/damaged/);
      }
    }
    expect(snapshot()).toEqual(before);
  });

  it('says both when a store too small to tell does not open with a key', () => {
    const key = randomBytes(32);
    const small = new Database(file());
    small.pragma(`cipher = 'chacha20'`);
    small.pragma(`key = "x'${key.toString('hex')}'"`);
    small.exec('CREATE TABLE kept(x)');
    small.close();
    expect(readFileSync(file()).length).toBe(2 * 4096); // too few pages to try the key on
    const before = snapshot();
    const [wrong] = wrongKeys(file(), 'malformed', 1);
    const error = refusal(() => MemoryDatabase.open(file(), { key: wrong!, keyFile: '/cfg/local.key' }));
    expect(error.userText).toContain(
      `The memory database ${file()} does not open with the local key in /cfg/local.key: its first page is damaged, or the key is not this store's.`,
    );
    expect(error.userText).toMatch(/put back the key this store was made with/);
    expect(snapshot()).toEqual(before);
  });

  it.each([
    ['its schema', (pageSize: number) => pageSize - 1_000],
    ['its salt', () => 3],
    ['its checksum', (pageSize: number) => pageSize - 5],
  ])('tells a first page damaged in %s from a wrong key', (_name, at) => {
    const key = randomBytes(32);
    const db = MemoryDatabase.open(file(), { key });
    db.create({ content: 'kept' }, 'f');
    db.close();
    const bytes = readFileSync(file());
    bytes[at(bytes.readUInt16BE(16))]! ^= 0xff;
    writeFileSync(file(), bytes);
    const before = snapshot();
    const error = refusal(() => MemoryDatabase.open(file(), { key, keyFile: '/cfg/local.key' }));
    expect(error.userText).toContain(`The memory database ${file()} is damaged`);
    expect(error.userText).toContain('the local key in /cfg/local.key is the right one');
    expect(error.userText).not.toMatch(/restore the key/i);
    expect(snapshot()).toEqual(before);
  });

  it('names a directory where the store file should be', () => {
    mkdirSync(file());
    const error = refusal(() => MemoryDatabase.open(file(), { key: randomBytes(32) }));
    expect(error.userText).toBe(
      `The memory database ${file()} is a directory, not a file. Move it aside, or choose another --data-dir / MEMORAM_DATA_DIR (for the emulator, --db).`,
    );
  });

  it('refuses an empty file where a store should be, and a foreign file, leaving both as they are', () => {
    writeFileSync(file(), '');
    expect(refusal(() => MemoryDatabase.open(file(), { key: randomBytes(32) })).userText).toContain(
      `${file()} is an empty file`,
    );
    expect(readFileSync(file())).toHaveLength(0);
    writeFileSync(file(), randomBytes(8192));
    const before = snapshot();
    expect(refusal(() => MemoryDatabase.open(file(), { key: randomBytes(32) })).userText).toContain(
      `${file()} is damaged or is not a memoram-mcp store`,
    );
    expect(snapshot()).toEqual(before);
  });

  it('reports a directory it cannot write by name instead of creating anything', () => {
    // Root writes through any mode bits: it gets a directory of sysfs, which refuses new files.
    const root = process.getuid?.() === 0;
    const target = root ? '/sys/memoram-test/memories.db' : file();
    if (!root) chmodSync(dir, 0o500);
    const error = refusal(() => MemoryDatabase.open(target, { key: randomBytes(32) }));
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.userText).toContain(target);
    expect(error.userText).toContain('writable');
    chmodSync(dir, 0o700);
    expect(existsSync(target)).toBe(false);
  });
});
