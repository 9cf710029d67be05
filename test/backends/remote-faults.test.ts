// The remote backend under the MemoryService when Memoram misbehaves or says no, through the
// emulator's fault switches and dashboard actions over real HTTP: revoked access, lost answers,
// retries, rate limits, and the caller cancelling.
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { seal } from '../../src/crypto/codec.js';
import { AbortedError } from '../../src/memoram/errors.js';
import { MemoramError } from '../../src/memory/errors.js';
import { rejectionOf } from '../auth/harness.js';
import { plaintext, remote } from './remote-setup.js';

/** How long vi.waitFor may look for what it waits for (generous: only a hang uses it all). */
const WAIT = { timeout: 10_000 };
const realSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

// Searches and list_tags answer from the replica, with no request that could learn of the revoke.
it('refuses every memory operation that reaches Memoram after a revoke, saying to call authorize', async () => {
  const { h, credentials, counts, service } = await remote();
  const memories = service();
  const { memory } = await memories.create({ content: plaintext(h, 'Kept before the revoke') });
  await h.control(`access-requests/${credentials.access_request_id}/revoke`);

  const operations: [string, () => Promise<unknown>][] = [
    ['read', () => memories.read([memory.id])],
    ['create', () => memories.create({ content: plaintext(h, 'Written after the revoke') })],
    ['update', () => memories.update(memory.id, { title: 'changed' })],
    ['delete', () => memories.delete([memory.id])],
    ['warm-up', () => service().refresh()],
  ];
  for (const [name, operation] of operations) {
    const error = await rejectionOf(h, operation());
    expect(error, name).toBeInstanceOf(MemoramError);
    expect(error, name).toMatchObject({ code: 'ACCESS_REVOKED' });
    expect((error as MemoramError).userText, name).toMatch(/call authorize/);
  }
  expect(counts.accessLost).toBe(operations.length);
});

it('returns the one stored blob when a create’s answer is lost after it landed', async () => {
  const { h, credentials, service, routesOf } = await remote();
  const memories = service();
  await memories.refresh();
  await h.control('faults', { route: 'POST /memory-blobs', status: 500, afterHandling: true });
  const content = plaintext(h, 'Landed although the answer was lost');

  let created = '';
  const routes = await routesOf(async () => {
    created = (await memories.create({ content, title: 'lost answer' })).memory.id;
  });
  // One post, then a look for it instead of a second post.
  expect(routes).toEqual(['POST /memory-blobs', 'GET /memory-blobs']);
  const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
  expect(stored.map((blob) => blob.id)).toEqual([created]);
  expect((await memories.search({ query: 'landed' })).memories.map((m) => m.id)).toEqual([created]);
  expect((await memories.read([created])).memories[0]?.content).toBe(content);
});

it('stores identical content once when two creates race', async () => {
  const { h, credentials, service } = await remote();
  const memories = service();
  await memories.refresh();
  const content = plaintext(h, 'Sent twice at once');
  const [first, second] = await Promise.all([memories.create({ content }), memories.create({ content })]);
  expect(second).toMatchObject({ deduplicated: true, memory: { id: first.memory.id } });
  expect((await h.client.listAllMemoryBlobs(credentials.user_id)).map((blob) => blob.id)).toEqual([
    first.memory.id,
  ]);
});

it('finds a cancelled create that landed anyway instead of writing it again', async () => {
  const { h, credentials, service } = await remote();
  const memories = service();
  await memories.refresh();
  // The emulator holds the POST for a while, then stores it: the caller gives up before the answer
  // and retries at once, while the first request is still being served.
  await h.control('faults', { route: 'POST /memory-blobs', delayMs: 300 });
  const content = plaintext(h, 'Landed after the caller gave up');
  const cancel = new AbortController();
  const gaveUp = memories.create({ content }, cancel.signal);
  await vi.waitFor(async () => expect(await h.requests('POST /memory-blobs')).toHaveLength(1), WAIT);
  cancel.abort();
  await expect(gaveUp).rejects.toMatchObject({ name: 'AbortError' });
  const retried = await memories.create({ content });
  expect(retried.deduplicated).toBe(true);
  const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
  expect(stored.map((blob) => blob.id)).toEqual([retried.memory.id]);
});

it.each([
  [400, 'BAD_CONFIG', /developer API key.*MEMORAM_API_KEY/],
  [404, 'BAD_CONFIG', /developer API key/],
] as const)(
  'blames the API key, not the memory, when the token endpoint answers %i',
  async (status, code, text) => {
    const { h, service } = await remote();
    const memories = service();
    const { memory } = await memories.create({ content: plaintext(h, 'Behind a failing token endpoint') });
    // The cached token expires on the emulator's clock; the refresh it forces meets the fault.
    await h.control('clock', { advanceSeconds: 7200 });
    await h.control('faults', { route: 'POST /auth/token', status, count: 5 });
    const error = await rejectionOf(h, memories.read([memory.id]));
    expect(error).toMatchObject({ code });
    expect((error as MemoramError).userText).toMatch(text);
  },
);

it('retries a read on 503', async () => {
  const { h, service, routesOf } = await remote();
  const memories = service();
  const content = plaintext(h, 'Read through a 503');
  const { memory } = await memories.create({ content });
  await h.control('faults', { route: 'GET /memory-blobs/{blobId}', status: 503 });

  let read = '';
  const routes = await routesOf(async () => {
    read = (await memories.read([memory.id])).memories[0]?.content ?? '';
  });
  expect(routes).toEqual(['GET /memory-blobs/{blobId}', 'GET /memory-blobs/{blobId}']);
  expect(read).toBe(content);
  expect(h.sleeps).toHaveLength(1);
});

it('waits out 429 with Retry-After, and reports UPSTREAM_UNAVAILABLE only when retries run out', async () => {
  const { h, service, routesOf } = await remote();
  const memories = service();
  const { memory } = await memories.create({ content: plaintext(h, 'Rate limited') });
  const route = 'GET /memory-blobs/{blobId}';

  await h.control('faults', { route, status: 429, retryAfter: 2, count: 2 });
  const ok = await routesOf(() => memories.read([memory.id]));
  expect(ok).toEqual([route, route, route]);
  expect(h.sleeps).toEqual([2000, 2000]);

  await h.control('faults', { route, status: 429, retryAfter: 2, count: 3 });
  let error: Error | undefined;
  const failed = await routesOf(async () => {
    error = await rejectionOf(h, memories.read([memory.id]));
  });
  expect(failed).toEqual([route, route, route]);
  expect(error).toBeInstanceOf(MemoramError);
  expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  expect((error as MemoramError).userText).toMatch(/rate-limiting.*try again/i);
  expect(h.sleeps).toEqual([2000, 2000, 2000, 2000]);
});

// Creates are the exception: see the test above and MemoryService.create.
it.each([
  ['read', 'GET /memory-blobs/{blobId}'],
  ['update', 'PATCH /memory-blobs/{blobId}'],
] as const)('cancels the HTTP call of a %s when the caller aborts', async (operation, route) => {
  const { h, service } = await remote();
  const memories = service();
  const { memory } = await memories.create({ content: plaintext(h, 'Slow to answer') });
  await h.control('faults', { route, delayMs: 60_000 });
  await h.clearRequests();

  const controller = new AbortController();
  const { signal } = controller;
  const call = {
    read: () => memories.read([memory.id], signal),
    update: () => memories.update(memory.id, { title: 'never' }, undefined, signal),
  }[operation]();
  const inFlight = async () => (await h.requests(route)).filter((request) => request.status === null);
  await vi.waitFor(async () => expect(await inFlight()).toHaveLength(1), WAIT);
  controller.abort();

  const error = await rejectionOf(h, call);
  expect(error).toBeInstanceOf(AbortedError);
  expect(error.message).toContain(route);
  // The emulator is still sitting on the request: the client hung up without waiting for it.
  expect(await inFlight()).toHaveLength(1);
  expect(await h.requests(route)).toHaveLength(1);
});

it('lets a caller cancel its wait for the warm-up without failing the others waiting for it', async () => {
  const { h, service, putBlob, key } = await remote();
  await putBlob(seal(plaintext(h, 'Found once the warm-up is done'), key), 'warm');
  const memories = service();
  await h.control('faults', { route: 'GET /memory-blobs', delayMs: 1_000 });
  await h.clearRequests();

  const controller = new AbortController();
  const cancelled = memories.search({ query: 'warm-up' }, controller.signal);
  const patient = memories.search({ query: 'warm-up' });
  const listing = () => h.requests('GET /memory-blobs');
  await vi.waitFor(async () => expect(await listing()).toHaveLength(1), WAIT);
  controller.abort();

  const error = await rejectionOf(h, cancelled);
  expect(error.name).toBe('AbortError');
  expect((await listing())[0]?.status).toBeNull(); // released before the listing came back
  expect((await patient).memories.map((m) => m.title)).toEqual(['warm']);
  expect(await listing()).toHaveLength(1);
});

describe('a create slower than the client’s deadline (issue 9.2)', () => {
  // Shortened deadlines and real sleeps: the emulator lands the first post after the client hung up.
  const slow = { timeoutMs: 300, settleMs: 1_500, sleep: realSleep };
  const settled = async (h: Awaited<ReturnType<typeof remote>>['h']) =>
    vi.waitFor(async () => {
      const posts = await h.requests('POST /memory-blobs');
      expect(posts.every((post) => post.status !== null)).toBe(true);
    }, WAIT);

  it('stores the memory once when it lands after the deadline', async () => {
    const { h, credentials, service } = await remote(slow);
    const memories = service();
    await memories.refresh();
    await h.control('faults', { route: 'POST /memory-blobs', delayMs: 600 });
    const content = plaintext(h, 'Slower than the deadline');
    const created = await memories.create({ content, title: 'slow' });
    await settled(h);
    const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
    expect(stored.map((blob) => blob.id)).toEqual([created.memory.id]);
    const again = await memories.create({ content, title: 'slow' });
    expect(again).toMatchObject({ deduplicated: true, memory: { id: created.memory.id } });
    expect((await h.client.listAllMemoryBlobs(credentials.user_id)).map((blob) => blob.id)).toEqual([
      created.memory.id,
    ]);
  });

  it('ends with one copy when the first post lands even after the re-post', async () => {
    const { h, credentials, service } = await remote(slow);
    const memories = service();
    await memories.refresh();
    await h.control('faults', { route: 'POST /memory-blobs', delayMs: 2_500 });
    const content = plaintext(h, 'Far slower than the deadline');
    const created = await memories.create({ content, title: 'very slow' });
    await settled(h);
    // The next refresh of the account finds the late twin and removes it.
    const fresh = service();
    await fresh.refresh();
    const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
    expect(stored.map((blob) => blob.id)).toEqual([created.memory.id]);
    expect((await fresh.search({ query: 'slower' })).memories.map((m) => m.id)).toEqual([created.memory.id]);
  });

  it('says the save is unconfirmed when no answer comes, and a retry finds the late landing', async () => {
    const { h, credentials, service } = await remote({ ...slow, maxRetries: 0 });
    const memories = service();
    await memories.refresh();
    await h.control('faults', { route: 'POST /memory-blobs', delayMs: 2_500 });
    const content = plaintext(h, 'Never answered in time');
    const error = await rejectionOf(h, memories.create({ content }));
    expect(error).toBeInstanceOf(MemoramError);
    expect((error as MemoramError).userText).toMatch(/may still .*saved.*again/i);
    await settled(h);
    const retried = await memories.create({ content });
    expect(retried.deduplicated).toBe(true);
    const stored = await h.client.listAllMemoryBlobs(credentials.user_id);
    expect(stored.map((blob) => blob.id)).toEqual([retried.memory.id]);
  });
});

it('treats a create answered 429 whose check then failed as maybe saved, and stores it once', async () => {
  const { h, credentials, service } = await remote();
  const memories = service();
  await memories.refresh();
  // Memoram stores the post, then answers 429; the look for it fails, so the create is unconfirmed.
  await h.control('faults', { route: 'POST /memory-blobs', status: 429, retryAfter: 0, afterHandling: true });
  await h.control('faults', { route: 'GET /memory-blobs', status: 500, count: 3 });
  const content = plaintext(h, 'Stored before the rate limit answered');
  const error = await rejectionOf(h, memories.create({ content }));
  expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  expect((error as MemoramError).userText).toMatch(/may still be saved/);
  await h.control('faults', undefined, 'DELETE');
  // Created again, as the message allows: found, not stored a second time.
  const again = await memories.create({ content });
  expect(again.deduplicated).toBe(true);
  expect((await h.client.listAllMemoryBlobs(credentials.user_id)).map((blob) => blob.id)).toEqual([
    again.memory.id,
  ]);
});
