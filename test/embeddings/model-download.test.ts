import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createEmbeddings } from '../../src/embeddings/embeddings.js';
import { cachedModelDir } from '../../src/embeddings/model-download.js';
import type { Embeddings } from '../../src/embeddings/provider.js';
import { createLogger } from '../../src/log/logger.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { buildTestModel, writeTestModel } from '../helpers/test-model.mjs';
import { type FakeHub, startFakeHub } from './fake-hub.js';

const ID = 'test-org/tiny-potion';
const model = buildTestModel({ dimensions: 32, vocabSize: 20_000 });

let dir: string;
let hub: FakeHub;
let logs: string[];
const opened: Embeddings[] = [];

beforeEach(async () => {
  dir = await makeTempDir('memoram-hub-');
  hub = await startFakeHub(ID, model);
  logs = [];
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((embeddings) => embeddings.close()));
  await hub.close();
  await removeTempDir(dir);
});

function start(env: Record<string, string> = {}): Embeddings {
  const config = loadConfig({
    env: {
      MEMORAM_DATA_DIR: path.join(dir, 'data'),
      MEMORAM_CONFIG_DIR: path.join(dir, 'config'),
      MEMORAM_CACHE_DIR: path.join(dir, 'cache'),
      MEMORAM_EMBEDDINGS_MODEL: ID,
      MEMORAM_EMBEDDINGS_BASE_URL: hub.url,
      ...env,
    },
  });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const embeddings = createEmbeddings(config, { logger: createLogger('info', stream) });
  opened.push(embeddings);
  return embeddings;
}

describe('a model id fetched from the hub', () => {
  it('downloads, verifies and caches the model, with progress on stderr, and never fetches it again', async () => {
    const first = start();
    expect(first.status()).toMatchObject({ state: 'loading', model: ID });
    expect(first.provider()).toBeUndefined();
    const provider = await first.ready();
    expect(provider?.dimensions).toBe(32);
    expect(first.status()).toEqual({ state: 'ready', model: ID, dimensions: 32 });
    expect(first.provider()).toBe(provider);
    expect(hub.requests).toEqual([
      `/${ID}/resolve/main/config.json`,
      `/${ID}/resolve/main/tokenizer.json`,
      `/${ID}/resolve/main/model.safetensors`,
      expect.stringMatching(/^\/cdn\/[0-9a-f]{64}$/),
    ]);
    const progress = logs.filter((line) => line.includes('Downloading the embedding model'));
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress.at(-1)).toMatch(/model\.safetensors (\d+\.\d) of \1 MB/);
    expect(logs.join('')).toContain('Search by meaning is ready.');

    const cached = cachedModelDir(path.join(dir, 'cache'), ID);
    expect((await readdir(cached)).sort()).toEqual([
      'config.json',
      'memoram-manifest.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
    expect(
      (await readFile(path.join(cached, 'model.safetensors'))).equals(model.files['model.safetensors']),
    ).toBe(true);
    // Nothing half-written left beside it.
    expect(await readdir(path.dirname(cached))).toEqual([path.basename(cached)]);

    hub.requests.length = 0;
    const second = start();
    const again = await second.ready();
    expect(again?.id).toBe(provider?.id);
    expect(hub.requests).toEqual([]);
    const [a, b] = [await provider!.embed(['my dog']), await again!.embed(['my dog'])];
    expect([...a[0]!]).toEqual([...b[0]!]);
  });

  it('says how far the download is while it runs, and a tool call never waits for it', async () => {
    let release!: () => void;
    hub.hold = new Promise((resolve) => {
      release = resolve;
    });
    const embeddings = start();
    await expect
      .poll(() => embeddings.status(), { timeout: 5000 })
      .toMatchObject({
        state: 'loading',
        detail: expect.stringMatching(/^downloading model\.safetensors: \d+\.\d of \d+\.\d MB$/),
      });
    expect(embeddings.provider()).toBeUndefined();
    release();
    await expect(embeddings.ready()).resolves.toBeDefined();
  });

  it('notices a cached file that changed after it was verified, without fetching it again', async () => {
    await start().ready();
    const file = path.join(cachedModelDir(path.join(dir, 'cache'), ID), 'model.safetensors');
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = bytes.at(-5)! ^ 0xff;
    await writeFile(file, bytes);
    hub.requests.length = 0;
    const embeddings = start();
    expect(await embeddings.ready()).toBeUndefined();
    expect(embeddings.status()).toEqual({
      state: 'failed',
      model: ID,
      error: `model.safetensors in ${path.dirname(file)} has changed since it was downloaded and verified (its sha256 differs)`,
    });
    expect(hub.requests).toEqual([]);
  });

  it('refuses a file whose bytes are not the ones the hub states, and caches nothing', async () => {
    const tampered = Buffer.from(model.files['model.safetensors']);
    tampered[tampered.length - 1] = tampered.at(-1)! ^ 1;
    hub.tamper['model.safetensors'] = tampered;
    const embeddings = start();
    expect(await embeddings.ready()).toBeUndefined();
    const status = embeddings.status();
    expect(status).toMatchObject({ state: 'failed' });
    expect(status.state === 'failed' && status.error).toBe(
      `downloading model.safetensors from ${hub.url} failed: its sha256 is not the one the server states (corrupted or tampered with)`,
    );
    expect(logs.join('')).toMatch(
      /Search by meaning is unavailable \(downloading model\.safetensors .*\); search stays by words\./,
    );
    expect(await readdir(path.join(dir, 'cache', 'models'))).toEqual([]);

    hub.tamper = { 'tokenizer.json': Buffer.from(model.files['tokenizer.json']).fill(32, 100, 200) };
    const again = start();
    await again.ready();
    expect(again.status()).toMatchObject({
      state: 'failed',
      error: expect.stringContaining('tokenizer.json from'),
    });
  });

  it('stops a download on close, leaving nothing behind, and clears what a killed process left', async () => {
    const models = path.join(dir, 'cache', 'models');
    // A process that no longer runs (pid 2^22 + 1 is above Linux's pid_max default) left a download.
    const abandoned = path.join(models, `test-org--tiny-potion.partial-${2 ** 22 + 1}-00000000`);
    await mkdir(abandoned, { recursive: true });
    await writeFile(path.join(abandoned, 'model.safetensors'), 'half');
    hub.hold = new Promise(() => {});
    const embeddings = start();
    await expect
      .poll(() => embeddings.status(), { timeout: 5000 })
      .toMatchObject({
        detail: expect.stringContaining('downloading model.safetensors'),
      });
    const [partial] = await readdir(models);
    expect(partial).toMatch(new RegExp(`^test-org--tiny-potion\\.partial-${process.pid}-[0-9a-f]{8}$`));
    await embeddings.close();
    expect(await embeddings.ready()).toBeUndefined();
    expect(await readdir(models)).toEqual([]);
  });

  it('reports a download cut short in one line', async () => {
    hub.truncate = 'model.safetensors';
    const embeddings = start();
    await embeddings.ready();
    const status = embeddings.status();
    expect(status.state).toBe('failed');
    const error = status.state === 'failed' ? status.error : '';
    expect(error).toMatch(/^downloading model\.safetensors from http:\/\/127\.0\.0\.1:\d+ failed: /);
    expect(error).not.toContain('\n');
    expect(await readdir(path.join(dir, 'cache', 'models'))).toEqual([]);
  });

  it('says which model was not found', async () => {
    const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: 'nobody/nothing' });
    await embeddings.ready();
    expect(embeddings.status()).toMatchObject({
      state: 'failed',
      error: `downloading config.json from ${hub.url} failed: HTTP 401 (is MEMORAM_EMBEDDINGS_MODEL a public model id? A folder of yours is written ./folder/name)`,
    });
  });
});

describe('a model folder', () => {
  it('is loaded from the folder, with no request anywhere', async () => {
    const folder = path.join(dir, 'my-model');
    await writeTestModel(folder, { dimensions: 48 });
    const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: folder });
    const provider = await embeddings.ready();
    expect(provider?.dimensions).toBe(48);
    expect(embeddings.status()).toEqual({ state: 'ready', model: folder, dimensions: 48 });
    expect(hub.requests).toEqual([]);
  });

  it('that is corrupt fails with a one-line reason, and the caller goes on by words', async () => {
    const folder = path.join(dir, 'broken');
    await writeTestModel(folder);
    const file = path.join(folder, 'model.safetensors');
    await writeFile(file, (await readFile(file)).subarray(0, 2000));
    const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: folder });
    expect(await embeddings.ready()).toBeUndefined();
    expect(embeddings.provider()).toBeUndefined();
    expect(embeddings.status()).toEqual({
      state: 'failed',
      model: folder,
      error: 'model.safetensors is truncated (tensor "embeddings" ends past the end of the file)',
    });
  });
});

describe('a model setting shaped like a path', () => {
  it('is a folder, and a missing one is reported as missing, never asked of the hub', async () => {
    const values: [string, string][] = [
      ['./nowhere', path.resolve('nowhere')],
      ['../nowhere/potion', path.resolve('..', 'nowhere', 'potion')],
      [path.join(dir, 'nowhere'), path.join(dir, 'nowhere')],
      ['~/memoram-no-such-model', path.join(os.homedir(), 'memoram-no-such-model')],
      ['models/minishlab/potion-base-8M', path.resolve('models/minishlab/potion-base-8M')],
      ['C:\\models\\potion', path.resolve('C:\\models\\potion')],
      ['models\\potion', path.resolve('models\\potion')],
    ];
    for (const [value, folder] of values) {
      const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: value });
      expect(await embeddings.ready()).toBeUndefined();
      expect(embeddings.status()).toEqual({
        state: 'failed',
        model: value,
        error: `MEMORAM_EMBEDDINGS_MODEL is the folder "${value}", but ${folder} does not exist: name the folder holding the model's config.json, tokenizer.json, model.safetensors, or give a Hugging Face model id (owner/name)`,
      });
    }
    const file = path.join(dir, 'model.safetensors');
    await writeFile(file, 'not a folder');
    const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: file });
    await embeddings.ready();
    expect(embeddings.status()).toMatchObject({
      error: expect.stringContaining(`but ${file} is not a folder: name the folder`),
    });
    expect(hub.requests).toEqual([]);
    expect(logs.join('')).toContain(
      'Search by meaning is unavailable (MEMORAM_EMBEDDINGS_MODEL is the folder "./nowhere", but',
    );
  });

  it('says how to write an id or a folder when it is neither', async () => {
    const embeddings = start({ MEMORAM_EMBEDDINGS_MODEL: 'potion' });
    await embeddings.ready();
    expect(embeddings.status()).toMatchObject({
      state: 'failed',
      error:
        'MEMORAM_EMBEDDINGS_MODEL "potion" is neither a folder here nor a Hugging Face model id: give an id as owner/name (for example minishlab/potion-base-8M), or a folder as ./potion',
    });
    expect(hub.requests).toEqual([]);
  });
});

describe('embeddings turned off', () => {
  it('says so, and is never ready', async () => {
    const embeddings = start({ MEMORAM_EMBEDDINGS: 'off' });
    expect(embeddings.status()).toEqual({ state: 'off', reason: 'turned off by MEMORAM_EMBEDDINGS=off' });
    expect(await embeddings.ready()).toBeUndefined();
    expect(hub.requests).toEqual([]);
  });
});
