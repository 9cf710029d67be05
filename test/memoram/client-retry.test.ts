/**
 * Retries, timeouts and cancellation over real HTTP, with faults injected by the emulator: what
 * is retried and how long the client waits (recorded by an injected sleep), and that creates
 * never duplicate when a write lands but its response is lost.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MemoramClient } from '../../src/memoram/client.js';
import {
  AbortedError,
  ConnectionError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../../src/memoram/errors.js';
import { blobBody, control, fault, harness, rejectionOf, requests } from './helpers.js';

const GET_BLOB = 'GET /memory-blobs/{blobId}';
const CREATE = 'POST /memory-blobs';

describe('MemoramClient retries', () => {
  it('honours Retry-After on 429 and 503', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'GET /tags', status: 429, retryAfter: 2 });
    await fault(h.emu, { route: 'GET /tags', status: 503, retryAfter: 1 });
    await h.client.listTags(h.user.user_id);
    expect(h.sleeps).toEqual([2000, 1000]);
    const statuses = (await requests(h.emu, 'GET /tags')).map((entry) => entry.status);
    expect(statuses).toEqual([429, 503, 200]);
  });

  it('surfaces a Retry-After beyond the cap instead of waiting it out', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'GET /tags', status: 429, retryAfter: 3600 });
    const error = await rejectionOf(h.client.listTags(h.user.user_id));
    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3600_000);
    expect(h.sleeps).toEqual([]);
  });

  it('retries GETs on 5xx and dropped connections with capped, jittered backoff', async () => {
    const h = await harness({ random: () => 0.5, maxRetries: 3 });
    const blob = await h.client.createMemoryBlob(blobBody(h, 'c'));
    await fault(h.emu, { route: GET_BLOB, status: 500 });
    await fault(h.emu, { route: GET_BLOB, drop: true });
    await fault(h.emu, { route: GET_BLOB, status: 502 });
    const read = await h.client.getMemoryBlob(blob.id, h.user.user_id);
    expect(read.content).toBe('c');
    expect(h.sleeps).toEqual([125, 250, 500]);
    expect((await requests(h.emu, GET_BLOB)).map((entry) => entry.status)).toEqual([500, null, 502, 200]);
  });

  it('stops after maxRetries and throws the last failure', async () => {
    const h = await harness({ maxRetries: 2 });
    await fault(h.emu, { route: 'GET /tags', status: 500, count: 5 });
    const error = await rejectionOf(h.client.listTags(h.user.user_id));
    expect(error).toBeInstanceOf(ServerError);
    expect(await requests(h.emu, 'GET /tags')).toHaveLength(3);
  });

  it.each([
    ['a 500 after the write landed', { status: 500, afterHandling: true }],
    ['a dropped connection after the write landed', { drop: true, afterHandling: true }],
  ])('returns the landed blob instead of re-posting after %s', async (_name, spec) => {
    const h = await harness();
    await fault(h.emu, { route: CREATE, ...spec });
    const created = await h.client.createMemoryBlob(blobBody(h, 'iv:tag:cipher-1', { title: 'Hiking' }));
    expect(created).toMatchObject({ title: 'Hiking', user_id: h.user.user_id });
    expect(created).not.toHaveProperty('content');
    const all = await h.client.listAllMemoryBlobs(h.user.user_id);
    expect(all.map((blob) => blob.id)).toEqual([created.id]);
    const routes = (await requests(h.emu)).map((entry) => entry.route);
    expect(routes).toEqual(['POST /auth/token', CREATE, 'GET /memory-blobs', 'GET /memory-blobs']);
  });

  it('keeps looking for a create that timed out instead of re-posting while it may still land', async () => {
    const h = await harness({
      timeoutMs: 150,
      settleMs: 3_000,
      sleep: (ms, signal) => delay(ms, undefined, { signal }),
    });
    await fault(h.emu, { route: CREATE, delayMs: 400 });
    const unsettled: string[] = [];
    const created = await h.client.createMemoryBlob(blobBody(h, 'iv:tag:slow'), {
      onUnsettled: () => unsettled.push('unsettled'),
    });
    expect((await requests(h.emu, CREATE)).map((entry) => entry.status)).toEqual([201]);
    expect((await h.client.listAllMemoryBlobs(h.user.user_id)).map((blob) => blob.id)).toEqual([created.id]);
    expect(unsettled).toEqual([]);
  });

  it('re-posts the same body once the settle time is over, and says a copy may still land', async () => {
    // The default timeout: a short one lets a loaded machine time out the lookups too, and their
    // retry pauses would be counted with the settle steps.
    const h = await harness({ settleMs: 1_000 });
    await fault(h.emu, { route: CREATE, drop: true });
    const unsettled: string[] = [];
    const body = blobBody(h, 'iv:tag:dropped');
    await h.client.createMemoryBlob(body, { onUnsettled: () => unsettled.push('unsettled') });
    const posts = await requests(h.emu, CREATE);
    expect(posts.map((entry) => entry.status)).toEqual([null, 201]);
    expect(new Set(posts.map((entry) => entry.body))).toEqual(new Set([JSON.stringify(body)]));
    expect(unsettled).toEqual(['unsettled']);
    // Looked for it in growing steps adding up to the settle time, then re-posted at once.
    expect(h.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(1_000);
  });

  it('re-posts a create that provably did not land, once', async () => {
    const h = await harness();
    await h.client.createMemoryBlob(blobBody(h, 'older, same title', { title: 'T' }));
    await fault(h.emu, { route: CREATE, status: 500 });
    const created = await h.client.createMemoryBlob(blobBody(h, 'new', { title: 'T' }));
    const all = await h.client.listAllMemoryBlobs(h.user.user_id);
    expect(all.filter((blob) => blob.content === 'new').map((blob) => blob.id)).toEqual([created.id]);
    const creates = (await requests(h.emu, CREATE)).map((entry) => entry.status);
    expect(creates).toEqual([201, 500, 201]);
  });

  it.each([
    ['a 429', { status: 429, retryAfter: 0 }],
    ['a 503 with Retry-After', { status: 503, retryAfter: 0 }],
  ])('stores one copy when %s comes after the write landed', async (_name, spec) => {
    const h = await harness();
    await fault(h.emu, { route: CREATE, ...spec, afterHandling: true });
    const created = await h.client.createMemoryBlob(blobBody(h, 'iv:tag:limited'));
    const all = await h.client.listAllMemoryBlobs(h.user.user_id);
    expect(all.map((blob) => blob.id)).toEqual([created.id]);
    expect((await requests(h.emu, CREATE)).map((entry) => entry.status)).toEqual([spec.status]);
  });

  it('looks for a create after a 429 before posting it again', async () => {
    const h = await harness();
    await fault(h.emu, { route: CREATE, status: 429, retryAfter: 0 });
    await h.client.createMemoryBlob(blobBody(h, 'x'));
    const routes = (await requests(h.emu)).map((entry) => entry.route);
    expect(routes).toEqual(['POST /auth/token', CREATE, 'GET /memory-blobs', CREATE]);
    expect(await h.client.listAllMemoryBlobs(h.user.user_id)).toHaveLength(1);
  });

  it('does not repeat an access request that may have reached the server, and returns it when it did', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'POST /access-requests', status: 500, afterHandling: true });
    const landed = await h.client.createAccessRequest({ memoryKey: h.user.memory_key, reason: 'landed' });
    await fault(h.emu, { route: 'POST /access-requests', drop: true });
    const body = { memoryKey: h.user.memory_key, reason: 'dropped' };
    const dropped = await rejectionOf(h.client.createAccessRequest(body));
    expect(dropped).toBeInstanceOf(ConnectionError);
    expect((dropped as ConnectionError).duringConnect).toBe(false);
    expect(await requests(h.emu, 'POST /access-requests')).toHaveLength(2);
    expect(await requests(h.emu, 'GET /access-requests')).toHaveLength(2);
    const state = await control(h.emu, 'GET', '/state');
    expect(state.access_requests.map((entry: { id: string }) => entry.id)).toContain(landed.id);
    expect(h.sleeps).toEqual([]);
  });

  it('retries an access request refused with 429 or 503 + Retry-After', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'POST /access-requests', status: 429, retryAfter: 1 });
    await fault(h.emu, { route: 'POST /access-requests', status: 503, retryAfter: 1 });
    const request = await h.client.createAccessRequest({ memoryKey: h.user.memory_key, reason: 'r' });
    expect(request.status).toBe('pending');
    expect(h.sleeps).toEqual([1000, 1000]);
    const state = await control(h.emu, 'GET', '/state');
    const mine = state.access_requests.filter((entry: { reason: string }) => entry.reason === 'r');
    expect(mine).toHaveLength(1);
  });

  it.each([
    ['a 429', { status: 429, retryAfter: 1 }],
    ['a 503 with Retry-After', { status: 503, retryAfter: 1 }],
  ])(
    'files one access request when %s comes after it was stored, and returns that one',
    async (_name, spec) => {
      const h = await harness();
      await fault(h.emu, { route: 'POST /access-requests', ...spec, afterHandling: true });
      const request = await h.client.createAccessRequest({ memoryKey: h.user.memory_key, reason: 'once' });
      const state = await control(h.emu, 'GET', '/state');
      const mine = state.access_requests.filter((entry: { reason: string }) => entry.reason === 'once');
      expect(mine.map((entry: { id: string }) => entry.id)).toEqual([request.id]);
      // The Retry-After waited out, then a look at the list instead of a second post.
      expect(h.sleeps).toEqual([1000]);
      const routes = (await requests(h.emu)).map((entry) => entry.route);
      expect(routes).toEqual(['POST /auth/token', 'POST /access-requests', 'GET /access-requests']);
    },
  );

  it('looks for an access request after a 429 before filing it again', async () => {
    const h = await harness();
    await fault(h.emu, { route: 'POST /access-requests', status: 429, retryAfter: 0 });
    const body = { memoryKey: h.user.memory_key, reason: 'again' };
    const request = await h.client.createAccessRequest(body);
    const routes = (await requests(h.emu)).map((entry) => entry.route);
    expect(routes).toEqual([
      'POST /auth/token',
      'POST /access-requests',
      'GET /access-requests',
      'POST /access-requests',
    ]);
    const state = await control(h.emu, 'GET', '/state');
    const mine = state.access_requests.filter((entry: { reason: string }) => entry.reason === 'again');
    expect(mine.map((entry: { id: string }) => entry.id)).toEqual([request.id]);
  });

  it('retries a refused connection and marks it as never sent', async () => {
    const sleeps: number[] = [];
    const client = new MemoramClient({
      apiUrl: 'http://127.0.0.1:1/api/v1',
      apiKey: 'mem_test',
      sleep: async (ms) => void sleeps.push(ms),
    });
    try {
      const error = await rejectionOf(client.createAccessRequest({ memoryKey: 'mk', reason: 'r' }));
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).duringConnect).toBe(true);
      // The token call is refused first; the access request itself is retried in client-mock.test.ts.
      expect(sleeps).toHaveLength(2);
    } finally {
      await client.close();
    }
  });

  it.each([
    ['was lost', { drop: true }],
    ['was a 429', { status: 429, retryAfter: 0 }],
  ])('reports a DELETE whose first response %s as NotFoundError with afterRetry', async (_name, spec) => {
    const h = await harness();
    const blob = await h.client.createMemoryBlob(blobBody(h, 'to delete'));
    await fault(h.emu, { route: 'DELETE /memory-blobs/{blobId}', ...spec, afterHandling: true });
    const error = await rejectionOf(h.client.deleteMemoryBlob(blob.id, h.user.user_id));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as NotFoundError).afterRetry).toBe(true);
    const again = await rejectionOf(h.client.deleteMemoryBlob(blob.id, h.user.user_id));
    expect((again as NotFoundError).afterRetry).toBe(false);
  });
});

describe('MemoramClient timeouts and cancellation', () => {
  it('times out a slow attempt and retries a GET', async () => {
    const h = await harness({ timeoutMs: 150 });
    await fault(h.emu, { route: 'GET /tags', delayMs: 2000 });
    const started = Date.now();
    await h.client.listTags(h.user.user_id);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await requests(h.emu, 'GET /tags')).toHaveLength(2);
  });

  it('throws TimeoutError when every attempt is too slow', async () => {
    const h = await harness({ timeoutMs: 100, maxRetries: 1 });
    await fault(h.emu, { route: 'GET /tags', delayMs: 2000, count: 2 });
    const error = await rejectionOf(h.client.listTags(h.user.user_id));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'TIMEOUT', timeoutMs: 100, endpoint: 'GET /tags' });
  });

  it('cancels an in-flight request when the signal aborts, without retrying', async () => {
    const h = await harness();
    const blob = await h.client.createMemoryBlob(blobBody(h, 'c'));
    await fault(h.emu, { route: GET_BLOB, delayMs: 5000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = h.client.getMemoryBlob(blob.id, h.user.user_id, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user cancelled')), 50);
    const error = await rejectionOf(pending);
    expect(error).toBeInstanceOf(AbortedError);
    expect((error as AbortedError).cause).toEqual(new Error('user cancelled'));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await requests(h.emu, GET_BLOB)).toHaveLength(1);
    expect(h.sleeps).toEqual([]);
  });

  it('fails at once with an already-aborted signal and stops waiting between retries', async () => {
    const h = await harness({
      sleep: (_ms, signal) => new Promise((_, reject) => signal?.addEventListener('abort', reject)),
    });
    const aborted = AbortSignal.abort();
    expect(await rejectionOf(h.client.listTags(h.user.user_id, { signal: aborted }))).toBeInstanceOf(
      AbortedError,
    );
    await fault(h.emu, { route: 'GET /tags', status: 500 });
    const controller = new AbortController();
    const pending = h.client.listTags(h.user.user_id, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    expect(await rejectionOf(pending)).toBeInstanceOf(AbortedError);
  });
});
