// Stores written by release 0.1 (plaintext SQLite, sealed blobs) open and are converted once:
// the fixtures that release made, and a larger generated store whose conversion is killed.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BlobStore } from '../../src/blob-store/blob-store.js';
import { fingerprint, seal } from '../../src/crypto/codec.js';
import { inspectStoreFile } from '../../src/store/database.js';
import { LOCAL_USER_ID, openLocalBackend } from '../../src/store/local-backend.js';
import { childModule } from '../helpers/child-module.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const KEY = createHash('sha256').update('memoram-mcp v0.1 migration fixture key').digest();

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('legacy');
  await mkdir(path.join(dir, 'config'));
  await writeFile(path.join(dir, 'config', 'local.key'), `${KEY.toString('hex')}\n`, { mode: 0o600 });
});
afterEach(() => removeTempDir(dir));

const dirs = () => ({ storeFile: path.join(dir, 'memories.db'), configDir: path.join(dir, 'config') });

describe.each(['v0.1-store', 'v0.1-store-wal'])('the %s fixture', (fixture) => {
  it('converts once into an encrypted store holding every memory as it was', async () => {
    for (const name of readdirSync(path.join(FIXTURES, fixture))) {
      if (name.startsWith('memories.db')) cpSync(path.join(FIXTURES, fixture, name), path.join(dir, name));
    }
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, fixture, 'expected.json'), 'utf8'));
    const backend = await openLocalBackend(dirs());
    try {
      // Release 0.1 had no scopes: every memory comes back global.
      expect(await backend.all()).toEqual(expected.map((memory: object) => ({ ...memory, scope: null })));
      expect(inspectStoreFile(dirs().storeFile)).toBe('encrypted');
      // Found by content, tags listed, and identical content still deduplicated.
      const [first] = expected;
      const hits = await backend.search({ query: 'café au lait' }, Date.now());
      expect(hits.memories.length).toBeGreaterThan(0);
      expect(await backend.listScopes()).toEqual([{ name: null, count: expected.length }]);
      expect((await backend.listTags(undefined)).find((tag) => tag.name === 'fixture')?.count).toBe(
        expected.filter((memory: { tags: string[] }) => memory.tags.includes('fixture')).length,
      );
      const again = await backend.create(
        { content: first.content },
        backend.fingerprint(first.content, null),
      );
      expect(again).toMatchObject({ deduplicated: true, memory: { id: first.id } });
    } finally {
      await backend.close();
    }
    const reopened = await openLocalBackend(dirs());
    expect(await reopened.count()).toBe(expected.length);
    await reopened.close();
    expect(existsSync(`${dirs().storeFile}.converting`)).toBe(false);
    // The lock the conversion took turns through is gone with it.
    expect(readdirSync(dir).filter((name) => name.includes('.lock'))).toEqual([]);
  });
});

/** An old-format store of `count` memories, written with the blobs schema and the codec as 0.1 did. */
function makeOldStore(file: string, count: number): string[] {
  const store = BlobStore.open(file);
  const contents: string[] = [];
  for (let i = 0; i < count; i++) {
    const content = `Old memory ${i}: the user talked about subject ${i % 97} and kiwi ${i}.`;
    contents.push(content);
    store.createBlob(LOCAL_USER_ID, {
      content: seal(content, KEY),
      fingerprint: fingerprint(content, KEY),
      title: `Old ${i}`,
      tags: [`t${i % 7}`],
      importance: 0.5,
    });
  }
  store.close();
  return contents;
}

// The child runs the local backend bundled from src/ (plain Node cannot load TypeScript).
let modules: string;
let backendModule: string;
beforeAll(async () => {
  modules = await makeTempDir('legacy-modules');
  backendModule = await childModule('src/store/local-backend.ts', modules);
});
afterAll(() => removeTempDir(modules));

const convert = () => `
  const { openLocalBackend } = await import(${JSON.stringify(backendModule)});
  process.stdout.write('started\\n');
  const backend = await openLocalBackend(JSON.parse(process.argv[1]));
  process.stdout.write('count ' + (await backend.count()) + '\\n');
  await backend.close();
`;

function convertInChild(killAfterMs?: number): Promise<string> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', convert(), JSON.stringify(dirs())]);
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
    if (killAfterMs !== undefined && out.includes('started')) {
      setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    }
  });
  return new Promise((resolve) => child.on('exit', () => resolve(out)));
}

describe('converting a 0.1 store', () => {
  it('survives kill -9 at any moment: the old store or the new one, and the next start finishes', async () => {
    const contents = makeOldStore(dirs().storeFile, 3000);
    const kinds = new Set<string>();
    for (const delay of [0, 30, 120, 300, 500, 700, 900, 1200, 1600, 2200]) {
      // Each child got as far as opening the store: a child that cannot load its module proves nothing.
      expect(await convertInChild(delay)).toContain('started');
      kinds.add(inspectStoreFile(dirs().storeFile));
    }
    expect([...kinds].every((kind) => kind === 'plaintext' || kind === 'encrypted')).toBe(true);
    const backend = await openLocalBackend(dirs());
    try {
      const all = await backend.all();
      expect(all.map((memory) => memory.content).sort()).toEqual([...contents].sort());
      expect(all.every((memory) => memory.tags.length === 1)).toBe(true);
    } finally {
      await backend.close();
    }
    expect(statSync(dirs().storeFile).size).toBeGreaterThan(0);
    // Nothing a killed conversion left behind remains once one finished.
    expect(readdirSync(dir).filter((name) => name.includes('.new-') || name.includes('.converting'))).toEqual(
      [],
    );
  }, 60_000);

  it('is done exactly once when three processes start on the old store at once', async () => {
    const contents = makeOldStore(dirs().storeFile, 500);
    const outputs = await Promise.all([convertInChild(), convertInChild(), convertInChild()]);
    for (const out of outputs) expect(out).toContain(`count ${contents.length}`);
    expect(inspectStoreFile(dirs().storeFile)).toBe('encrypted');
    const backend = await openLocalBackend(dirs());
    expect(await backend.count()).toBe(contents.length);
    await backend.close();
  }, 60_000);
});
