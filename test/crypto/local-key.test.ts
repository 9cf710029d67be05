import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCAL_KEY_FILE, loadOrCreateLocalKey } from '../../src/crypto/local-key.js';
import { MemoramError } from '../../src/memory/errors.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'memoram-key-'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('local key', () => {
  it('is created once, 32 bytes, file 0600 in a 0700 folder', async () => {
    const dir = path.join(root, 'config');
    const key = await loadOrCreateLocalKey(dir);
    expect(key).toHaveLength(32);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, LOCAL_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await loadOrCreateLocalKey(dir)).equals(key)).toBe(true);
  });

  it('tightens a key file that came back readable by others', async () => {
    const dir = path.join(root, 'config');
    await loadOrCreateLocalKey(dir);
    await chmod(path.join(dir, LOCAL_KEY_FILE), 0o644);
    await loadOrCreateLocalKey(dir);
    expect((await stat(path.join(dir, LOCAL_KEY_FILE))).mode & 0o777).toBe(0o600);
  });

  it('agrees on one key when many callers race to create it', async () => {
    const dir = path.join(root, 'config');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateLocalKey(dir)));
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    expect((await readFile(path.join(dir, LOCAL_KEY_FILE), 'utf8')).trim()).toBe(keys[0]!.toString('hex'));
  });

  it('reports a damaged key file instead of replacing it', async () => {
    const dir = path.join(root, 'config');
    await loadOrCreateLocalKey(dir);
    await writeFile(path.join(dir, LOCAL_KEY_FILE), 'garbage');
    await expect(loadOrCreateLocalKey(dir)).rejects.toBeInstanceOf(MemoramError);
    expect(await readFile(path.join(dir, LOCAL_KEY_FILE), 'utf8')).toBe('garbage');
  });
});
