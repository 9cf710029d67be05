// The store file at rest and when it cannot be opened: nothing readable in it, and every fault
// named with the file, the file left as it was.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
    const error = refusal(() =>
      MemoryDatabase.open(file(), { key: randomBytes(32), keyFile: '/cfg/local.key' }),
    );
    expect(error.code).toBe('STORE_UNAVAILABLE');
    expect(error.userText).toContain(`The local key in /cfg/local.key does not open ${file()}`);
    expect(error.userText).toMatch(/restore the key/i);
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
