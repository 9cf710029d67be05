// Search by meaning in the Memoram replica, on the emulator over HTTP: an account filled before the
// model arrived gets its vectors in the background and is then searched by meaning; a create is
// found by meaning at once; and Memoram receives neither a vector nor any plaintext (the
// harness checks every request for the sealed contents).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished, vi } from 'vitest';
import { RemoteConnection } from '../../src/connection/remote-connection.js';
import { seal } from '../../src/crypto/codec.js';
import type { MemoryService } from '../../src/memory/service.js';
import { authorizeDemoUser, harness } from '../auth/harness.js';
import { plaintext } from '../backends/remote-setup.js';
import { synonymProvider, testEmbeddings } from '../helpers/synonym-embeddings.js';

const WAIT = { timeout: 10_000, interval: 50 };

it('fills in the replica’s vectors after the model arrives, finds by meaning, and sends Memoram no vector', async () => {
  const h = await harness();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'memoram-replica-vectors-'));
  onTestFinished(() => fs.rm(dataDir, { recursive: true, force: true }));
  const credentials = await authorizeDemoUser(h, h.flow());
  const key = Buffer.from(credentials.encryption_key, 'hex');
  const put = (content: string, title: string) =>
    h.client.createMemoryBlob({
      user_id: credentials.user_id,
      memoryKey: credentials.memory_key,
      content: seal(plaintext(h, content), key),
      title,
    });
  await put('We adopted a golden retriever last spring.', 'Retriever');
  await put('Takes the sedan to the office on Mondays.', 'Commute');
  await put('Had a fever for a week in January.', 'Flu');

  const embeddings = testEmbeddings(synonymProvider(), 'loading');
  const client = h.newClient();
  const replica = { dataDir, configDir: h.configDir, apiUrl: h.emu.apiUrl };
  const connection = new RemoteConnection({
    client,
    flow: h.flow({ client }),
    logger: h.logger,
    replica,
    refreshIntervalMs: Number.POSITIVE_INFINITY,
    embeddings,
  });
  onTestFinished(() => connection.close());
  const service = () => connection.service() as MemoryService;
  const top = async (query: string) =>
    (await service().search({ query, limit: 3 })).memories.map((memory) => memory.title);
  await service().refresh();
  expect(await top('What pet does the user have?')).toEqual([]);

  embeddings.makeReady();
  await vi.waitFor(
    () =>
      expect(service().searchByMeaning()).toMatchObject({
        vectors: { embedded: 3, total: 3, filling: false },
      }),
    WAIT,
  );
  expect(await top('What pet does the user have?')).toContain('Retriever');
  expect(await top('Was the user ill?')).toContain('Flu');

  await h.clearRequests();
  await service().create({
    content: plaintext(h, 'A kitten called Miso joined the family.'),
    title: 'Kitten',
  });
  expect(await top('Which animal?')).toContain('Kitten');
  const sent = JSON.stringify(await h.requests());
  expect(sent).toContain('POST /memory-blobs');
  for (const word of ['vector', 'embedding']) expect(sent.toLowerCase()).not.toContain(word);
});
