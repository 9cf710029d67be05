// The embedding settings as a user writes them, seen where a user sees them: `memoram://status`
// through a real MCP client against the built server, and the server's stderr.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, type TempHome, tempHome } from '../cli/spawn.js';
import { buildTestModel, writeTestModel } from '../helpers/test-model.mjs';
import { type FakeHub, startFakeHub } from './fake-hub.js';

const KEY = 'sk-test-never-shown-7f3a9c';

let home: TempHome;
let hub: FakeHub;
beforeEach(async () => {
  home = await tempHome();
  hub = await startFakeHub('test-org/tiny-potion', buildTestModel({ dimensions: 16, vocabSize: 500 }));
});
afterEach(async () => {
  await hub.close();
  await home.cleanup();
});

async function serve(env: Record<string, string>) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve'],
    env: {
      ...home.env,
      MEMORAM_EMBEDDINGS: 'on',
      MEMORAM_CACHE_DIR: path.join(home.dir, 'cache'),
      MEMORAM_EMBEDDINGS_BASE_URL: hub.url,
      ...env,
    },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  const client = new Client({ name: 'model-setting-test', version: '1.0.0' });
  await client.connect(transport);
  const meaning = async () => {
    const read = await client.readResource({ uri: 'memoram://status' });
    return JSON.parse((read.contents[0] as { text: string }).text).search_by_meaning;
  };
  await expect
    .poll(async () => (await meaning()).state, { timeout: 15_000, interval: 50 })
    .not.toBe('loading');
  return { client, settled: (await meaning()) as Record<string, unknown>, stderr: () => stderr };
}

describe('MEMORAM_EMBEDDINGS_MODEL through a real client', () => {
  it('reads ~/ as the home folder, and says once that a key without an endpoint is ignored', async () => {
    await writeTestModel(path.join(home.dir, 'models', 'potion'), { dimensions: 16 });
    const { client, settled, stderr } = await serve({
      MEMORAM_EMBEDDINGS_MODEL: '~/models/potion',
      MEMORAM_EMBEDDINGS_API_KEY: KEY,
    });
    try {
      expect(settled).toMatchObject({ state: 'ready', model: '~/models/potion', dimensions: 16 });
      const lines = stderr().split('\n');
      expect(
        lines.filter((line) => line.includes('MEMORAM_EMBEDDINGS_API_KEY is ignored without an endpoint')),
      ).toHaveLength(1);
      expect(stderr()).not.toContain(KEY);
      expect(hub.requests).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('names a missing folder and the fix in the status, asks the hub nothing, and search goes on by words', async () => {
    await mkdir(path.join(home.dir, 'models'));
    const { client, settled, stderr } = await serve({ MEMORAM_EMBEDDINGS_MODEL: '~/models/potion' });
    try {
      expect(settled).toEqual({
        state: 'failed',
        model: '~/models/potion',
        error: `MEMORAM_EMBEDDINGS_MODEL is the folder "~/models/potion", but ${path.join(home.dir, 'models', 'potion')} does not exist: name the folder holding the model's config.json, tokenizer.json, model.safetensors, or give a Hugging Face model id (owner/name)`,
      });
      expect(stderr()).toContain('Search by meaning is unavailable (MEMORAM_EMBEDDINGS_MODEL is the folder');
      expect(hub.requests).toEqual([]);
      await client.callTool({
        name: 'create_memory',
        arguments: { title: 'Retriever', content: 'We adopted a golden retriever last spring.' },
      });
      const found = await client.callTool({
        name: 'search_memories',
        arguments: { query: 'golden retriever' },
      });
      expect(found.isError).toBeFalsy();
      expect((found.structuredContent as { memories: { title: string }[] }).memories[0]?.title).toBe(
        'Retriever',
      );
    } finally {
      await client.close();
    }
  });
});
