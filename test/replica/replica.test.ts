// The Memoram replica on disk, through RemoteConnection on the emulator over HTTP: a restart
// answers searches from it before any request, a refresh applies what changed or vanished in the
// account, several connections share one file, nothing readable is in it, and logout and a
// revoke delete it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished, vi } from 'vitest';
import { logout } from '../../src/commands/logout.js';
import { loadConfig } from '../../src/config.js';
import { RemoteConnection } from '../../src/connection/remote-connection.js';
import { seal } from '../../src/crypto/codec.js';
import type { MemoryService } from '../../src/memory/service.js';
import { replicaFile } from '../../src/replica/replica-file.js';
import { authorizeDemoUser, harness, stateBecomes } from '../auth/harness.js';
import { plaintext } from '../backends/remote-setup.js';

const WAIT = { timeout: 10_000, interval: 50 };

async function setup() {
  const h = await harness();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'memoram-replica-'));
  onTestFinished(() => fs.rm(dataDir, { recursive: true, force: true }));
  const credentials = await authorizeDemoUser(h, h.flow());
  const file = replicaFile({ dataDir, apiUrl: h.emu.apiUrl, userId: credentials.user_id });
  /** A server process's connection: its own client and flow, the shared dirs. */
  const start = async (refreshIntervalMs = Number.POSITIVE_INFINITY) => {
    const client = h.newClient();
    const flow = h.flow({ client });
    const replica = { dataDir, configDir: h.configDir, apiUrl: h.emu.apiUrl };
    const connection = new RemoteConnection({ client, flow, logger: h.logger, replica, refreshIntervalMs });
    onTestFinished(() => connection.close());
    return { connection, flow, service: () => connection.service() as MemoryService };
  };
  const key = Buffer.from(credentials.encryption_key, 'hex');
  const putBlob = (content: string, title: string) =>
    h.client.createMemoryBlob({
      user_id: credentials.user_id,
      memoryKey: credentials.memory_key,
      content: seal(content, key),
      title,
    });
  return { h, dataDir, credentials, file, start, putBlob };
}

const titles = async (service: MemoryService, query: string) =>
  (await service.search({ query })).memories.map((memory) => memory.title).sort();

it('answers the first search after a restart from the replica, before any request', async () => {
  const { h, file, start, putBlob } = await setup();
  await putBlob(plaintext(h, 'The user keeps bees in the garden'), 'bees');
  const first = await start();
  await first.service().refresh();
  await first.service().create({ content: plaintext(h, 'The user grows tomatoes'), title: 'tomatoes' });
  await first.connection.close();
  expect(existsSync(file)).toBe(true);

  await h.clearRequests();
  const restarted = await start(0); // stale at once: the refresh comes, but after the answer
  expect(await titles(restarted.service(), 'bees tomatoes')).toEqual(['bees', 'tomatoes']);
  expect(await h.requests()).toEqual([]);
  await vi.waitFor(async () => expect(await h.requests('GET /memory-blobs')).not.toEqual([]), WAIT);
});

it('applies what changed or vanished in the account on a refresh, keeping its own later writes', async () => {
  const { h, credentials, start, putBlob } = await setup();
  const kept = await putBlob(plaintext(h, 'Kept as it is'), 'kept');
  const changed = await putBlob(plaintext(h, 'About to change'), 'before');
  const gone = await putBlob(plaintext(h, 'About to vanish'), 'gone');
  const { service } = await start();
  await service().refresh();
  expect(await titles(service(), '')).toEqual(['before', 'gone', 'kept']);

  // Another app changes one blob and deletes another.
  await h.client.updateMemoryBlob(changed.id, {
    user_id: credentials.user_id,
    memoryKey: credentials.memory_key,
    title: 'after',
  });
  await h.client.deleteMemoryBlob(gone.id, credentials.user_id);
  await service().refresh();
  expect(await titles(service(), '')).toEqual(['after', 'kept']);
  expect((await service().read([kept.id])).memories[0]?.title).toBe('kept');
});

it('lets connections sharing the replica see each other’s writes on their next search', async () => {
  const { h, start } = await setup();
  const servers = [await start(), await start(), await start()];
  await servers[0]!.service().refresh();
  const created = [];
  for (const [at, server] of servers.entries()) {
    created.push(
      await server.service().create({ content: plaintext(h, `Shared note ${at}`), title: `n${at}` }),
    );
  }
  for (const server of servers)
    expect(await titles(server.service(), 'shared note')).toEqual(['n0', 'n1', 'n2']);
  await servers[1]!.service().delete([created[0]!.memory.id]);
  await servers[2]!.service().update(created[1]!.memory.id, { title: 'n1 renamed' });
  for (const server of servers) {
    expect(await titles(server.service(), 'shared note')).toEqual(['n1 renamed', 'n2']);
  }
});

it('keeps no content, title or tag readable in the replica files', async () => {
  const { h, dataDir, start } = await setup();
  const { service } = await start();
  await service().refresh();
  const content = plaintext(h, 'Secret garden content');
  await service().create({ content, title: 'Visible-title-xyz', tags: ['tag-quux'] });
  const files = readdirSync(dataDir).filter((name) => name.startsWith('replica-'));
  expect(files.length).toBeGreaterThan(0);
  for (const name of files) {
    const bytes = readFileSync(path.join(dataDir, name));
    for (const needle of [content, 'Secret garden', 'Visible-title-xyz', 'tag-quux']) {
      expect(bytes.includes(Buffer.from(needle)), `${needle} in ${name}`).toBe(false);
    }
  }
});

it('deletes the replica on logout', async () => {
  const { h, dataDir, file, start } = await setup();
  const { connection, service } = await start();
  await service().create({ content: plaintext(h, 'Forgotten on logout'), title: 'bye' });
  await connection.close();
  expect(existsSync(file)).toBe(true);
  const config = loadConfig({
    argv: [],
    env: {
      MEMORAM_API_KEY: h.emu.apiKey,
      MEMORAM_API_URL: h.emu.apiUrl,
      MEMORAM_DATA_DIR: dataDir,
      MEMORAM_CONFIG_DIR: h.configDir,
    },
  });
  expect(await logout(config)).toMatch(/Forgot/);
  expect(readdirSync(dataDir).filter((name) => name.startsWith('replica-'))).toEqual([]);
});

it('deletes the replica when access is revoked', async () => {
  const { h, dataDir, file, credentials, start } = await setup();
  const { flow, service } = await start();
  const { memory } = await service().create({ content: plaintext(h, 'Gone with the revoke'), title: 'r' });
  expect(existsSync(file)).toBe(true);
  await h.control(`access-requests/${credentials.access_request_id}/revoke`);
  await service()
    .read([memory.id])
    .catch((error: unknown) => h.seen(error));
  await stateBecomes(flow, 'revoked');
  await vi.waitFor(
    () => expect(readdirSync(dataDir).filter((name) => name.startsWith('replica-'))).toEqual([]),
    WAIT,
  );
});

it('stores identical content created by two servers at once once (issue 9.3)', async () => {
  const { h, credentials, start } = await setup();
  const servers = [await start(), await start()];
  await servers[0]!.service().refresh();
  await servers[1]!.service().refresh();
  const content = plaintext(h, 'Saved by two servers at the same moment');
  const results = await Promise.all(servers.map((server) => server.service().create({ content })));
  expect(results.map((result) => result.deduplicated).sort()).toEqual([false, true]);
  expect(new Set(results.map((result) => result.memory.id)).size).toBe(1);
  const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
  expect(stored.map((blob) => blob.id)).toEqual([results[0]!.memory.id]);
});
