// createEmbeddings' startAfter: the stdio server loads its model only once the client's handshake
// is answered, so the load (tens of milliseconds of work on the one JavaScript thread) does not
// come between initialize and the first list request.
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createEmbeddings } from '../../src/embeddings/embeddings.js';
import { silentLogger } from '../../src/log/logger.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { writeTestModel } from '../helpers/test-model.mjs';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function model() {
  const dir = await makeTempDir('start-after');
  cleanups.push(() => removeTempDir(dir));
  const written = await writeTestModel(path.join(dir, 'model'), { dimensions: 32 });
  const config = {
    embeddings: { provider: 'local' as const, model: written.dir, baseUrl: 'http://127.0.0.1:9' },
    cacheDir: path.join(dir, 'cache'),
  };
  return { config, folder: written.dir };
}

it('loads the model only once startAfter resolves', async () => {
  const { config, folder } = await model();
  let begin!: () => void;
  const deferred = createEmbeddings(config, {
    logger: silentLogger,
    startAfter: new Promise<void>((resolve) => {
      begin = resolve;
    }),
  });
  // The same model, loaded at once alongside: the deferred one has had the time to load, and did not.
  const atOnce = createEmbeddings(config, { logger: silentLogger });
  cleanups.push(() => atOnce.close());
  expect((await atOnce.ready())?.dimensions).toBe(32);
  expect(deferred.status()).toEqual({ state: 'loading', model: folder, detail: 'starting' });
  expect(deferred.provider()).toBeUndefined();
  begin();
  expect((await deferred.ready())?.dimensions).toBe(32);
  expect(deferred.status()).toEqual({ state: 'ready', model: folder, dimensions: 32 });
  await deferred.close();
});

it('closes without loading when closed before startAfter resolves', async () => {
  const { config } = await model();
  const deferred = createEmbeddings(config, { logger: silentLogger, startAfter: new Promise(() => {}) });
  await deferred.close();
  expect(await deferred.ready()).toBeUndefined();
  expect(deferred.provider()).toBeUndefined();
});
