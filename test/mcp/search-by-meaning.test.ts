// Search by meaning through a real MCP client against the real server, on the local store, with
// the real local provider loading a tiny model written in the real format (test/helpers/test-model).
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { LocalConnection } from '../../src/connection/connection.js';
import { createEmbeddings } from '../../src/embeddings/embeddings.js';
import type { Embeddings } from '../../src/embeddings/provider.js';
import { silentLogger } from '../../src/log/logger.js';
import { MemoryService } from '../../src/memory/service.js';
import { openLocalBackend } from '../../src/store/local-backend.js';
import { connectPair } from '../helpers/mcp-pair.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { writeTestModel } from '../helpers/test-model.mjs';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MEMORIES = [
  { title: 'Retriever', content: 'We adopted a golden retriever last spring.' },
  { title: 'Commute', content: 'Takes the sedan to the office on Mondays.' },
  { title: 'Almonds', content: 'Cannot have almonds: a strong intolerance since childhood.' },
  { title: 'Concert', content: 'Went to a guitar concert with Ragnhild.' },
  { title: 'Build', content: 'The build fails with ERR_4711 when the cache is cold.' },
];

async function start(dir: string, embeddings: Embeddings) {
  const backend = await openLocalBackend(
    { storeFile: path.join(dir, 'memories.db'), configDir: path.join(dir, 'config') },
    silentLogger,
    embeddings,
  );
  const connection = new LocalConnection(new MemoryService(backend));
  const pair = await connectPair(connection);
  cleanups.push(async () => {
    await pair.close();
    await connection.close();
    await embeddings.close();
  });
  const call = async (name: string, args: Record<string, unknown>) =>
    (await pair.client.callTool({ name, arguments: args })).structuredContent as Record<string, unknown>;
  const titles = async (query: string) =>
    ((await call('search_memories', { query, limit: 3 })).memories as { title: string }[]).map(
      (m) => m.title,
    );
  const status = async () => {
    const read = await pair.client.readResource({ uri: 'memoram://status' });
    return JSON.parse((read.contents[0] as { text: string }).text) as Record<string, unknown>;
  };
  return { call, titles, status };
}

const local = (model: string, cacheDir: string) =>
  createEmbeddings(
    { embeddings: { provider: 'local', model, baseUrl: 'http://127.0.0.1:9' }, cacheDir },
    { logger: silentLogger },
  );
const off = () =>
  createEmbeddings(
    { embeddings: { provider: 'off', reason: 'MEMORAM_EMBEDDINGS=off' }, cacheDir: '/nonexistent' },
    {
      logger: silentLogger,
    },
  );

it('finds by meaning with the model, misses without it, keeps exact matches first, and says so in status', async () => {
  const dir = await makeTempDir('meaning');
  cleanups.push(() => removeTempDir(dir));
  const model = await writeTestModel(path.join(dir, 'model'));
  const embeddings = local(model.dir, path.join(dir, 'cache'));
  await embeddings.ready();
  const server = await start(path.join(dir, 'on'), embeddings);
  for (const memory of MEMORIES) await server.call('create_memory', memory);
  expect(await server.titles('What pet does the user have?')).toContain('Retriever');
  expect(await server.titles('How does she get to work?')).toContain('Commute');
  expect(await server.titles('Any nut allergies?')).toContain('Almonds');
  expect((await server.titles('ERR_4711'))[0]).toBe('Build');
  expect((await server.titles('Ragnhild'))[0]).toBe('Concert');
  expect(await server.status()).toMatchObject({
    search_by_meaning: { state: 'ready', vectors: { embedded: MEMORIES.length, total: MEMORIES.length } },
  });

  const lexical = await start(path.join(dir, 'off'), off());
  for (const memory of MEMORIES) await lexical.call('create_memory', memory);
  expect(await lexical.titles('What pet does the user have?')).not.toContain('Retriever');
  expect(await lexical.titles('Any nut allergies?')).not.toContain('Almonds');
  expect(await lexical.status()).toMatchObject({ search_by_meaning: { state: 'off' } });
});

it('keeps searching by words when the model file is truncated, and says why in status', async () => {
  const dir = await makeTempDir('meaning-broken');
  cleanups.push(() => removeTempDir(dir));
  const model = await writeTestModel(path.join(dir, 'model'));
  const weights = path.join(model.dir, 'model.safetensors');
  const bytes = await fs.readFile(weights);
  await fs.writeFile(weights, bytes.subarray(0, Math.floor(bytes.length / 2)));
  const embeddings = local(model.dir, path.join(dir, 'cache'));
  await embeddings.ready();
  const server = await start(path.join(dir, 'store'), embeddings);
  for (const memory of MEMORIES) await server.call('create_memory', memory);
  expect(await server.titles('retriever')).toEqual(['Retriever']);
  expect(await server.status()).toMatchObject({ search_by_meaning: { state: 'failed' } });
});
