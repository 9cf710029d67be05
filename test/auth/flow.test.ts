// The memory-key authorization flow against the emulator over HTTP: access request, polling,
// approval in the "dashboard" (the control API), the credentials cache, restarts, and every way the
// flow can end. Request counts come from the emulator's request log.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it, vi } from 'vitest';
import { CREDENTIALS_FILE, ProfileSchema, profileId } from '../../src/auth/credentials.js';
import { MemoramError } from '../../src/memory/errors.js';
import { authorizeDemoUser, harness, rejectionOf, stateBecomes } from './harness.js';

/** How long vi.waitFor may look for what it waits for (generous: only a hang uses it all). */
const WAIT = { timeout: 10_000 };

it('files an access request, returns while it waits with progress, and connects on approval', async () => {
  const h = await harness();
  const flow = h.flow({ waitMs: 50, progressEveryMs: 10 });
  const progress: string[] = [];
  const pending = await flow.authorize(
    { memory_key: h.emu.demoUser.memory_key, reason: 'Remember your preferences' },
    { onProgress: (message) => progress.push(message) },
  );
  h.seen(pending);
  expect(pending).toMatchObject({ state: 'awaiting_approval', access_request_id: expect.any(String) });
  expect(pending.message).toContain('approve');
  expect(progress.length).toBeGreaterThan(0);
  expect(progress[0]).toMatch(/Waiting for the user to approve access/);
  const filed = await h.requests('POST /access-requests');
  expect(filed).toHaveLength(1);
  expect(JSON.parse(filed[0]!.body!)).toEqual({
    memoryKey: h.emu.demoUser.memory_key,
    reason: 'Remember your preferences',
  });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  // The pending request is cached, so a restart could pick it up.
  expect(h.store.load().pending).toMatchObject({ access_request_id: pending.access_request_id });

  await h.control(`access-requests/${pending.access_request_id}/approve`);
  const authorized = await stateBecomes(flow, 'authorized');
  h.seen(authorized);
  expect(authorized).toEqual({
    state: 'authorized',
    user_id: h.emu.demoUser.user_id,
    key_version: 1,
    message: 'Connected to Memoram.',
  });
  // Asking again costs nothing: the cached credentials answer.
  await h.clearRequests();
  expect(await flow.authorize({})).toMatchObject({ state: 'authorized' });
  expect(await h.requests()).toEqual([]);
});

it('caches the credentials in a 0600 file in a 0700 folder, valid against the schema', async () => {
  const h = await harness();
  const flow = h.flow();
  await authorizeDemoUser(h, flow);
  expect(h.store.path).toBe(path.join(h.configDir, CREDENTIALS_FILE));
  expect((await fs.stat(h.store.path)).mode & 0o777).toBe(0o600);
  expect((await fs.stat(h.configDir)).mode & 0o777).toBe(0o700);

  const raw = await fs.readFile(h.store.path, 'utf8');
  const file = JSON.parse(raw) as { profiles: Record<string, unknown> };
  const id = profileId(h.emu.apiUrl, h.emu.apiKey);
  expect(Object.keys(file)).toEqual(['profiles']);
  expect(Object.keys(file.profiles)).toEqual([id]);
  expect(ProfileSchema.safeParse(file.profiles[id]).success).toBe(true);
  expect(file.profiles[id]).toEqual({
    credentials: {
      user_id: h.emu.demoUser.user_id,
      memory_key: h.emu.demoUser.memory_key,
      encryption_key: h.emu.demoUser.encryption_key,
      key_version: 1,
      access_request_id: flow.credentials()!.access_request_id,
    },
  });
  // The profile is named by a digest: the developer API key itself is not in the file.
  expect(raw).not.toContain(h.emu.apiKey);
});

it.each(['resume', 'authorize'] as const)(
  'after a restart, keeps polling the pending request (%s) without filing a second one',
  async (how) => {
    const h = await harness();
    const first = h.flow();
    const pending = await first.authorize({ memory_key: h.emu.demoUser.memory_key });
    await first.close();
    if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);

    const second = h.flow();
    expect(second.current()).toMatchObject({
      state: 'awaiting_approval',
      access_request_id: pending.access_request_id,
    });
    await h.control(`access-requests/${pending.access_request_id}/approve`);
    if (how === 'resume') second.resume();
    else h.seen(await second.authorize({}));
    expect(await stateBecomes(second, 'authorized')).toMatchObject({ user_id: h.emu.demoUser.user_id });
    expect(second.credentials()?.access_request_id).toBe(pending.access_request_id);

    expect(await h.requests('POST /access-requests')).toHaveLength(1);
    const { access_requests } = await h.control('state', undefined, 'GET');
    expect(access_requests).toHaveLength(1);
  },
);

it('after a failed poll, authorize polls the same request again instead of filing another', async () => {
  const h = await harness();
  const flow = h.flow();
  // Approved, but fetching the credentials fails past the client's retries (3 attempts).
  await h.control('faults', { route: 'GET /access-requests/{requestId}/credentials', status: 500, count: 3 });
  const pending = await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  await h.control(`access-requests/${pending.access_request_id}/approve`);
  const failed = await stateBecomes(flow, 'error');
  h.seen(failed);
  expect(failed.message).toMatch(/Call authorize again/);

  h.seen(await flow.authorize({ memory_key: h.emu.demoUser.memory_key }));
  await stateBecomes(flow, 'authorized');
  expect(flow.credentials()?.access_request_id).toBe(pending.access_request_id);
  expect(await h.requests('POST /access-requests')).toHaveLength(1);
});

it('after a restart with approved credentials, is authorized at once without any request', async () => {
  const h = await harness();
  const first = h.flow();
  await authorizeDemoUser(h, first);
  await first.close();
  await h.clearRequests();

  const second = h.flow();
  expect(second.current()).toMatchObject({ state: 'authorized', user_id: h.emu.demoUser.user_id });
  second.resume();
  expect(await second.authorize({ memory_key: h.emu.demoUser.memory_key })).toMatchObject({
    state: 'authorized',
    key_version: 1,
  });
  expect(await second.authorize({})).toMatchObject({ state: 'authorized' });
  expect(await h.requests()).toEqual([]);
});

it('ends in rejected, with the next step, when the user rejects the request', async () => {
  const h = await harness();
  const flow = h.flow();
  const pending = await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  await h.control(`access-requests/${pending.access_request_id}/reject`);
  const rejected = await stateBecomes(flow, 'rejected');
  h.seen(rejected);
  expect(rejected).toMatchObject({ state: 'rejected', access_request_id: pending.access_request_id });
  expect(rejected.message).toMatch(/rejected the access request.*call authorize again/);
  expect(h.store.load()).toEqual({});
  expect(flow.credentials()).toBeUndefined();
});

it('notices a revoke in checkAccess and forgets the credentials', async () => {
  const h = await harness();
  const flow = h.flow();
  const credentials = await authorizeDemoUser(h, flow);
  await h.control(`access-requests/${credentials.access_request_id}/revoke`);

  const revoked = await flow.checkAccess();
  h.seen(revoked);
  expect(revoked).toMatchObject({ state: 'revoked', access_request_id: credentials.access_request_id });
  expect(revoked.message).toMatch(/revoked this server’s access.*call authorize again/);
  expect(flow.current()).toEqual(revoked);
  expect(flow.credentials()).toBeUndefined();
  expect(await fs.readFile(h.store.path, 'utf8')).not.toContain(credentials.encryption_key);
});

it('refuses an unknown memory key without echoing it', async () => {
  const h = await harness();
  const unknown = `mk_${randomBytes(24).toString('base64url')}`;
  h.secrets.add(unknown);
  const error = await rejectionOf(h, h.flow().authorize({ memory_key: unknown }));
  expect(error).toBeInstanceOf(MemoramError);
  expect(error).toMatchObject({ code: 'ACCESS_DENIED' });
  expect((error as MemoramError).userText).toMatch(/does not know that memory key.*call authorize/);
  expect((error as MemoramError).userText).not.toContain(unknown);
  expect(h.store.load()).toEqual({});
});

it('without a memory key, answers with an error state that says how to get one', async () => {
  const h = await harness();
  const state = await h.flow().authorize({ reason: 'no key' });
  h.seen(state);
  expect(state.state).toBe('error');
  expect(state.message).toMatch(/memory key/);
  expect(state.message).toContain('MEMORAM_MEMORY_KEY');
  expect(await h.requests()).toEqual([]);
});

it('uses the configured memory key when the call names none', async () => {
  const h = await harness();
  const state = await h.flow({ memoryKey: h.emu.demoUser.memory_key }).authorize({});
  expect(state.state).toBe('awaiting_approval');
  expect(await h.requests('POST /access-requests')).toHaveLength(1);
});

it('re-fetches the credentials after a key rotation', async () => {
  const h = await harness();
  const flow = h.flow();
  const before = await authorizeDemoUser(h, flow);
  const rotated = await h.control(`users/${before.user_id}/rotate-key`);
  expect(rotated.key_version).toBe(2);

  const after = await flow.refreshCredentials();
  h.sealed.add(after.encryption_key);
  expect(after).toMatchObject({ user_id: before.user_id, key_version: 2 });
  expect(after.encryption_key).not.toBe(before.encryption_key);
  expect(flow.current()).toMatchObject({ state: 'authorized', key_version: 2 });
  expect(h.store.load().credentials).toEqual(after);
  expect((await fs.stat(h.store.path)).mode & 0o777).toBe(0o600); // still, after the rewrite
});

it('close() stops polling at once, keeping the pending request for the next start', async () => {
  const h = await harness();
  const sleeping: AbortSignal[] = [];
  // A poll delay that only an abort ends: close() must cut it short or the test hangs.
  const sleep = (_ms: number, signal: AbortSignal) =>
    new Promise<void>((_resolve, reject) => {
      sleeping.push(signal);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  const flow = h.flow({ sleep, waitMs: 20 });
  await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  await vi.waitFor(() => expect(sleeping).toHaveLength(1), WAIT);
  await flow.close();
  expect(sleeping[0]!.aborted).toBe(true);
  expect(flow.current().state).toBe('awaiting_approval');
  expect(h.store.load().pending).toBeDefined();
});

it('close() cancels a poll that is on the wire', async () => {
  const h = await harness();
  const flow = h.flow({ waitMs: 20 });
  await h.control('faults', { route: 'GET /access-requests/{requestId}', delayMs: 60_000 });
  await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  const poll = () => h.requests('GET /access-requests/{requestId}');
  await vi.waitFor(async () => expect(await poll()).toHaveLength(1), WAIT);
  await flow.close();
  // The emulator is still holding the delayed answer: the client stopped waiting for it.
  expect((await poll())[0]?.status).toBeNull();
  expect(flow.current().state).toBe('awaiting_approval');
});

it('stops polling a request that a second memory key supersedes, and ignores how it ends', async () => {
  const h = await harness();
  const other = await h.control('users');
  h.secrets.add(other.memory_key);
  h.sealed.add(other.encryption_key);
  const flow = h.flow();
  const first = await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (first.state !== 'awaiting_approval') throw new Error(`unexpected ${first.state}`);
  const second = await flow.authorize({ memory_key: other.memory_key });
  h.seen(second);
  if (second.state !== 'awaiting_approval') throw new Error(`unexpected ${second.state}`);
  const polls = async (id: string) =>
    (await h.requests('GET /access-requests/{requestId}')).filter((r) => r.path.endsWith(`/${id}`));

  // Once the second request is polled, the first one's poll has been stopped: from then on, over
  // several poll cycles of the second, nothing asks about the first.
  await vi.waitFor(
    async () => expect((await polls(second.access_request_id)).length).toBeGreaterThan(0),
    WAIT,
  );
  await h.clearRequests();
  await vi.waitFor(
    async () => expect((await polls(second.access_request_id)).length).toBeGreaterThan(3),
    WAIT,
  );
  expect(await polls(first.access_request_id)).toEqual([]);

  // Approving the first request while fetching credentials fails for good: a poll still running
  // would fail, and must not turn the second request's state into an error.
  await h.control('faults', { route: 'GET /access-requests/{requestId}/credentials', status: 403, count: 5 });
  await h.control(`access-requests/${first.access_request_id}/approve`);
  await h.clearRequests();
  await vi.waitFor(
    async () => expect((await polls(second.access_request_id)).length).toBeGreaterThan(3),
    WAIT,
  );
  expect(flow.current()).toEqual(second);
  expect(h.store.load().pending?.access_request_id).toBe(second.access_request_id);
});

it('refuses an encryption key that is not 256-bit with a clear error, caching and showing none of it', async () => {
  const h = await harness();
  const shortKey = randomBytes(16).toString('hex'); // 32 hex characters: AES-128, which the codec cannot use
  const user = await h.control('users', { encryption_key: shortKey });
  h.secrets.add(user.memory_key);
  h.sealed.add(shortKey);
  const flow = h.flow();
  const pending = await flow.authorize({ memory_key: user.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  await h.control(`access-requests/${pending.access_request_id}/approve`);

  const failed = await stateBecomes(flow, 'error');
  h.seen(failed);
  expect(failed.message).toMatch(
    /encryption key this version of memoram-mcp cannot use \(it is not a 256-bit/,
  );
  expect(failed.message).toMatch(/call authorize again/);
  // The request is forgotten, so the next authorize files a new one instead of failing the same way.
  expect(h.store.load()).toEqual({});
  expect(flow.credentials()).toBeUndefined();
  expect(await fs.readFile(h.store.path, 'utf8')).not.toContain(shortKey);
});

it('after an access request that got no answer, says it may be filed, and a second authorize finds it instead of filing another', async () => {
  const h = await harness({ timeoutMs: 300, maxRetries: 0 });
  const flow = h.flow();
  // Memoram answers (and stores it) only after the client has stopped waiting, and after it looked.
  await h.control('faults', { route: 'POST /access-requests', delayMs: 1_000 });
  const key = h.emu.demoUser.memory_key;
  const error = await rejectionOf(h, flow.authorize({ memory_key: key, reason: 'slow' }));
  expect(error).toBeInstanceOf(MemoramError);
  expect((error as MemoramError).message).toContain('may have been filed');
  expect((error as MemoramError).hint).toContain('never files a second one');
  const filed = async () =>
    ((await h.control('state', undefined, 'GET')).access_requests as { id: string; reason: string }[]).filter(
      (entry) => entry.reason === 'slow',
    );
  await vi.waitFor(async () => expect(await filed()).toHaveLength(1), WAIT);
  const again = await flow.authorize({ memory_key: key, reason: 'slow' });
  h.seen(again);
  expect(again).toMatchObject({ state: 'awaiting_approval', access_request_id: (await filed())[0]!.id });
  expect(await h.requests('POST /access-requests')).toHaveLength(1);
});
