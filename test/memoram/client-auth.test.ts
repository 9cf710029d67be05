/**
 * The developer JWT over real HTTP against the emulator: Bearer on every call but /auth/token,
 * one token for many calls, exactly one refresh on expiry or a 401, one shared refresh for
 * concurrent callers, and no key or token in any message or log line.
 */
import { describe, expect, it } from 'vitest';
import { MemoramClient } from '../../src/memoram/client.js';
import { type ApiError, UnauthorizedError } from '../../src/memoram/errors.js';
import { control, emulator, fault, harness, rejectionOf, requests } from './helpers.js';

const TOKEN = 'POST /auth/token';

describe('MemoramClient auth', () => {
  it('fetches one token for many operations and sends it as Bearer on every other call', async () => {
    const h = await harness();
    const blob = await h.client.createMemoryBlob({
      user_id: h.user.user_id,
      memoryKey: h.user.memory_key,
      content: 'c1',
    });
    await h.client.getMemoryBlob(blob.id, h.user.user_id);
    await h.client.listMemoryBlobs({ user_id: h.user.user_id });
    await h.client.listTags(h.user.user_id);
    await h.client.listAccessRequests();
    await h.client.deleteMemoryBlob(blob.id, h.user.user_id);

    const log = await requests(h.emu);
    expect(log.map((entry) => entry.route)).toEqual([
      TOKEN,
      'POST /memory-blobs',
      'GET /memory-blobs/{blobId}',
      'GET /memory-blobs',
      'GET /tags',
      'GET /access-requests',
      'DELETE /memory-blobs/{blobId}',
    ]);
    const [tokenCall, ...calls] = log;
    expect(tokenCall?.headers.authorization).toBeUndefined();
    expect(JSON.parse(tokenCall?.body ?? '{}')).toEqual({ api_key: h.emu.apiKey });
    const bearers = new Set(calls.map((entry) => entry.headers.authorization));
    expect(bearers.size).toBe(1);
    expect([...bearers][0]).toMatch(/^Bearer \S+$/);
  });

  it('refreshes exactly once when the local clock passes expires_at minus 60 s', async () => {
    let clock = Date.now();
    const h = await harness({ now: () => clock });
    await h.client.listTags(h.user.user_id);
    clock += 3600_000 - 60_000 - 1000; // still inside the refresh margin's near side
    await h.client.listTags(h.user.user_id);
    expect(await requests(h.emu, TOKEN)).toHaveLength(1);

    clock += 2000; // now within 60 s of expiry
    await h.client.listTags(h.user.user_id);
    await h.client.listTags(h.user.user_id);
    expect(await requests(h.emu, TOKEN)).toHaveLength(2);
    const bearers = (await requests(h.emu, 'GET /tags')).map((entry) => entry.headers.authorization);
    expect(new Set(bearers).size).toBe(2);
    expect(bearers[2]).toBe(bearers[3]);
  });

  it('refreshes a short-lived token at half-life instead of on every call', async () => {
    let clock = Date.now();
    const h = await harness({ now: () => clock });
    await control(h.emu, 'POST', '/jwt-lifetime', { seconds: 20 });
    await h.client.listTags(h.user.user_id);
    clock += 5_000;
    await h.client.listTags(h.user.user_id);
    expect(await requests(h.emu, TOKEN)).toHaveLength(1);
    clock += 6_000; // past half of the 20 s lifetime
    await h.client.listTags(h.user.user_id);
    expect(await requests(h.emu, TOKEN)).toHaveLength(2);
  });

  it('refreshes exactly once on a 401 for a token the server expired, then retries', async () => {
    const h = await harness();
    await h.client.listTags(h.user.user_id);
    // The server's clock moves past expiry; the client's does not, so only the 401 tells it.
    await control(h.emu, 'POST', '/clock', { advanceSeconds: 3601 });
    const tags = await h.client.listTags(h.user.user_id);
    expect(tags.items).toEqual([]);
    const log = await requests(h.emu);
    expect(log.map((entry) => `${entry.route} ${entry.status}`)).toEqual([
      `${TOKEN} 200`,
      'GET /tags 200',
      'GET /tags 401',
      `${TOKEN} 200`,
      'GET /tags 200',
    ]);
  });

  it('gives up with UnauthorizedError when the fresh token is refused too', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'GET /access-requests', status: 401, count: 2 });
    const error = await rejectionOf(h.client.listAccessRequests());
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((await requests(h.emu, TOKEN)).length).toBe(2);
    expect((await requests(h.emu, 'GET /access-requests')).length).toBe(2);
    expect(h.sleeps).toEqual([]);
  });

  it('shares one token fetch among concurrent callers, cold and after a 401', async () => {
    const h = await harness();
    const burst = () => Promise.all(Array.from({ length: 10 }, () => h.client.listTags(h.user.user_id)));
    await burst();
    expect(await requests(h.emu, TOKEN)).toHaveLength(1);

    await control(h.emu, 'POST', '/clock', { advanceSeconds: 3601 });
    await burst();
    expect(await requests(h.emu, TOKEN)).toHaveLength(2);
    const statuses = (await requests(h.emu, 'GET /tags')).map((entry) => entry.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(20);
  });

  it('reports a wrong API key as UnauthorizedError on /auth/token, without the key', async () => {
    const emu = await emulator();
    const apiKey = `mem_${'0'.repeat(48)}`;
    const client = new MemoramClient({ apiUrl: emu.apiUrl, apiKey });
    try {
      const error = await rejectionOf(client.listAccessRequests());
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect((error as ApiError).endpoint).toBe(TOKEN);
      expect(error.message).not.toContain(apiKey);
      expect(await requests(emu, 'GET /access-requests')).toHaveLength(0);
    } finally {
      await client.close();
    }
  });

  it('never puts the API key, the JWT, a memory key, an encryption key or content in messages or logs', async () => {
    const h = await harness({ timeoutMs: 300, maxRetries: 1 });
    const content = 'secret-ciphertext-0123456789';
    const blob = await h.client.createMemoryBlob({
      user_id: h.user.user_id,
      memoryKey: h.user.memory_key,
      content,
    });
    await fault(h.emu, { route: 'GET /memory-blobs/{blobId}', status: 500, count: 5 });
    await fault(h.emu, { route: 'GET /tags', delayMs: 2000, count: 5 });
    const failures = await Promise.all([
      rejectionOf(h.client.getMemoryBlob(blob.id, h.user.user_id)),
      rejectionOf(h.client.getTag('tag_missing', h.user.user_id)),
      rejectionOf(h.client.listTags(h.user.user_id)),
      rejectionOf(h.client.createMemoryBlob({ user_id: h.user.user_id, memoryKey: 'mk_wrong_key', content })),
      rejectionOf(h.client.getCredentials('missing')),
    ]);
    const token = (await requests(h.emu, 'POST /memory-blobs'))[0]?.headers.authorization?.slice(7) ?? '';
    expect(token.length).toBeGreaterThan(10);
    const secrets = [h.emu.apiKey, token, h.user.memory_key, h.user.encryption_key, content, 'mk_wrong_key'];
    const text = [...failures.map((error) => `${error.name} ${error.message} ${error.stack}`), h.logged()];
    for (const secret of secrets) {
      for (const line of text) expect(line).not.toContain(secret);
    }
    expect(failures.map((error) => (error as { code?: string }).code)).toEqual([
      'SERVER_ERROR',
      'NOT_FOUND',
      'TIMEOUT',
      'FORBIDDEN',
      'NOT_FOUND',
    ]);
  });
});
