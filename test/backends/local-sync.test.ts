import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalBackend, openLocalBackend } from '../../src/store/local-backend.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

let dir: string;
const opened: LocalBackend[] = [];

/** A backend on the shared store file, as another server process would open it. */
async function open(): Promise<LocalBackend> {
  const backend = await openLocalBackend({
    storeFile: path.join(dir, 'memories.db'),
    configDir: path.join(dir, 'config'),
  });
  opened.push(backend);
  return backend;
}

afterEach(async () => {
  for (const backend of opened.splice(0)) await backend.close();
  await removeTempDir(dir);
});

const fields = (content: string) => ({ content, tags: ['t'], importance: 0.5, confidence: 1 });

describe('LocalBackend sync', () => {
  it('does not read back its own writes, and still sees every other process’s', async () => {
    dir = await makeTempDir('local-sync');
    const mine = await open();
    const theirs = await open();
    await theirs.create(fields('already there'), theirs.fingerprint('already there'));
    const first = await mine.sync(undefined);
    expect(first).toMatchObject({ upserts: [{ content: 'already there' }], full: true });

    const own = await mine.create(fields('written here'), mine.fingerprint('written here'));
    await mine.update(own.memory.id, { title: 'renamed' });
    const quiet = await mine.sync(first.token);
    expect(quiet).toEqual({ upserts: [], deleted: [], token: String(Number(first.token) + 2), full: false });

    // A write from elsewhere among this process's own: everything since the token is read.
    await mine.create(fields('also here'), mine.fingerprint('also here'));
    const foreign = await theirs.create(fields('written there'), theirs.fingerprint('written there'));
    const caughtUp = await mine.sync(quiet.token);
    expect(caughtUp.upserts.map((memory) => memory.content).sort()).toEqual(['also here', 'written there']);

    expect(await theirs.delete(own.memory.id)).toBe(true);
    expect(await mine.sync(caughtUp.token)).toMatchObject({ upserts: [], deleted: [own.memory.id] });

    // Deleting and re-saving here again reads nothing back.
    const token = (await mine.sync(undefined)).token;
    expect(await mine.delete(foreign.memory.id)).toBe(true);
    expect(await mine.delete(foreign.memory.id)).toBe(false);
    await mine.create(fields('written there'), mine.fingerprint('written there'));
    expect(await mine.sync(token)).toMatchObject({ upserts: [], deleted: [], full: false });
  });
});
