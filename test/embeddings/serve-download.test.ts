// The built server, as a client starts it: it fetches its model from the hub in the background,
// says so on stderr (stdout carries JSON-RPC alone), and a second start takes it from the cache.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectOutput, exited, spawnCli, type TempHome, tempHome } from '../cli/spawn.js';
import { buildTestModel } from '../helpers/test-model.mjs';
import { type FakeHub, startFakeHub } from './fake-hub.js';

const ID = 'test-org/tiny-potion';

let home: TempHome;
let hub: FakeHub;
beforeEach(async () => {
  home = await tempHome();
  hub = await startFakeHub(ID, buildTestModel({ dimensions: 32, vocabSize: 5000 }));
});
afterEach(async () => {
  await hub.close();
  await home.cleanup();
});

async function serveUntilReady(): Promise<{ stdout: string; stderr: string }> {
  const child = spawnCli(['serve'], {
    ...home.env,
    MEMORAM_EMBEDDINGS: 'on',
    MEMORAM_EMBEDDINGS_MODEL: ID,
    MEMORAM_EMBEDDINGS_BASE_URL: hub.url,
    MEMORAM_CACHE_DIR: path.join(home.dir, 'cache'),
  });
  const output = collectOutput(child);
  try {
    await expect
      .poll(() => output.stderr(), { timeout: 15_000, interval: 50 })
      .toMatch(/Search by meaning is (ready|unavailable)/);
  } finally {
    child.stdin.end();
    await exited(child);
  }
  return { stdout: output.stdout(), stderr: output.stderr() };
}

describe('serve with a model id', () => {
  it('downloads it once with progress on stderr, and the next start asks the hub nothing', async () => {
    const first = await serveUntilReady();
    expect(first.stderr).toMatch(
      /Downloading the embedding model test-org\/tiny-potion: model\.safetensors [\d.]+ of [\d.]+ MB/,
    );
    expect(first.stderr).toContain('Search by meaning is ready.');
    expect(first.stdout).toBe('');
    expect(hub.requests.length).toBe(4);

    hub.requests.length = 0;
    const second = await serveUntilReady();
    expect(second.stderr).toContain('Search by meaning is ready.');
    expect(second.stderr).not.toContain('Downloading');
    expect(hub.requests).toEqual([]);
  });
});
