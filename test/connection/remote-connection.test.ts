// The connection to a Memoram account, on the emulator over HTTP: memory tools are refused until
// the user approves, then switch to the remote service without a restart; a restart comes back
// connected from the cache; a revoke is noticed on the next refused call; and several server
// processes (Claude Desktop, Claude Code…) sharing one config dir keep in step.
import { expect, it, onTestFinished } from 'vitest';
import { RemoteConnection } from '../../src/connection/remote-connection.js';
import type { MemoramClient } from '../../src/memoram/client.js';
import { MemoramError } from '../../src/memory/errors.js';
import type { MemoryService } from '../../src/memory/service.js';
import { type Harness, harness, rejectionOf, stateBecomes } from '../auth/harness.js';

/** A connection as RemoteConnection.open builds it, but with the harness's fast-polling flow. */
function connect(h: Harness, client: MemoramClient = h.client) {
  const flow = h.flow({ client });
  const connection = new RemoteConnection({ client, flow, logger: h.logger });
  onTestFinished(() => connection.close());
  return { connection, flow };
}

/** What service() throws right now. */
function refusal(h: Harness, connection: RemoteConnection): MemoramError {
  try {
    connection.service();
  } catch (error) {
    h.seen(error);
    return error as MemoramError;
  }
  throw new Error('expected service() to throw');
}

/** Approves the connection's pending request and waits for the switch to the remote service. */
async function approve(h: Harness, connection: RemoteConnection, requestId: string): Promise<MemoryService> {
  const switched = new Promise<MemoryService>((resolve) => connection.onServiceChange(resolve));
  await h.control(`access-requests/${requestId}/approve`);
  return switched;
}

/** A connection the user has approved, switched to the remote service. */
async function approved(h: Harness, client?: MemoramClient) {
  const connected = connect(h, client);
  const pending = await connected.connection.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  const service = await approve(h, connected.connection, pending.access_request_id);
  return { ...connected, service, requestId: pending.access_request_id };
}

/** Memory content for a test; the harness checks it never travels or shows in the clear. */
function content(h: Harness, text: string): string {
  h.sealed.add(text);
  return text;
}

it('refuses memory tools until approval, then switches to Memoram without a restart', async () => {
  const h = await harness();
  const { connection } = connect(h);
  expect(connection.status().state).toBe('not_connected');
  const before = refusal(h, connection);
  expect(before).toBeInstanceOf(MemoramError);
  expect(before.code).toBe('AUTH_REQUIRED');
  expect(before.userText).toMatch(/authorize/);

  const pending = await connection.authorize({ memory_key: h.emu.demoUser.memory_key });
  h.seen(pending);
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  const waiting = refusal(h, connection);
  expect(waiting.code).toBe('APPROVAL_PENDING');
  expect(waiting.userText).toMatch(/approve it in their Memoram dashboard.*call authorize/);

  const service = await approve(h, connection, pending.access_request_id);
  expect(connection.service()).toBe(service);
  expect(connection.status()).toMatchObject({ state: 'authorized', user_id: h.emu.demoUser.user_id });
  const { memory } = await service.create({ content: content(h, 'The user’s cat is called Miso.') });
  expect((await service.search({ query: 'miso' })).memories.map((m) => m.id)).toEqual([memory.id]);
  expect(await h.requests('POST /memory-blobs')).toHaveLength(1);
});

it('comes back connected from the cache after a restart, without a new access request', async () => {
  const h = await harness();
  const first = await approved(h);
  const tea = content(h, 'Prefers tea over coffee.');
  const { memory } = await first.service.create({ content: tea });
  await first.connection.close();
  await h.clearRequests();

  // A restarted process: a new client, flow and connection on the same config dir.
  const { connection } = connect(h, h.newClient());
  expect(connection.status()).toMatchObject({ state: 'authorized', user_id: h.emu.demoUser.user_id });
  const memories = connection.service();
  expect((await memories.read([memory.id])).memories[0]?.content).toBe(tea);
  expect((await memories.search({ query: 'coffee' })).memories.map((m) => m.id)).toEqual([memory.id]);
  expect(await connection.authorize({})).toMatchObject({ state: 'authorized' });
  expect(await h.requests('POST /access-requests')).toEqual([]);
  expect(await h.requests('GET /access-requests/{requestId}')).toEqual([]);
});

it('notices a revoke on the next refused call, and then says so', async () => {
  const h = await harness();
  const { connection, flow, service, requestId } = await approved(h);
  const { memory } = await service.create({ content: content(h, 'Takes the train to work.') });
  await h.control(`access-requests/${requestId}/revoke`);

  const refused = await rejectionOf(h, service.read([memory.id]));
  expect(refused).toMatchObject({ code: 'ACCESS_REVOKED' });
  expect((refused as MemoramError).userText).toMatch(/call authorize/);

  // The 403 makes the connection check the request; it finds the revoke and forgets the keys.
  const revoked = await stateBecomes(flow, 'revoked');
  h.seen(revoked);
  expect(connection.status()).toEqual(revoked);
  const after = refusal(h, connection);
  expect(after.code).toBe('ACCESS_REVOKED');
  expect(after.userText).toMatch(/revoked.*call authorize again/);
  expect(h.store.load().credentials).toBeUndefined();
});

it('finds out at start, from the warm-up, that access was revoked while it was down', async () => {
  const h = await harness();
  const first = await approved(h);
  await first.connection.close();
  await h.control(`access-requests/${first.requestId}/revoke`);

  const { connection, flow } = connect(h, h.newClient());
  h.seen(await stateBecomes(flow, 'revoked'));
  expect(refusal(h, connection).code).toBe('ACCESS_REVOKED');
  expect(h.store.load().credentials).toBeUndefined();
});

it('picks up an approval another server process stored in the shared config dir', async () => {
  const h = await harness();
  // Claude Desktop and Claude Code each run a server; both started before the user connected.
  const code = connect(h, h.newClient());
  await approved(h); // in Desktop
  await h.clearRequests();

  expect(refusal(h, code.connection).code).toBe('AUTH_REQUIRED');
  const switched = new Promise<MemoryService>((resolve) => code.connection.onServiceChange(resolve));
  expect(await code.connection.authorize({})).toMatchObject({ state: 'authorized' });
  expect(code.connection.service()).toBe(await switched);
  expect(await h.requests('POST /access-requests')).toEqual([]);
});

it('lets a second server process poll the request the first one filed, and both switch', async () => {
  const h = await harness();
  const desktop = connect(h);
  const code = connect(h, h.newClient());
  const pending = await desktop.connection.authorize({ memory_key: h.emu.demoUser.memory_key });
  if (pending.state !== 'awaiting_approval') throw new Error(`unexpected ${pending.state}`);
  expect(await code.connection.authorize({})).toMatchObject({
    state: 'awaiting_approval',
    access_request_id: pending.access_request_id,
  });

  const bothSwitched = Promise.all(
    [desktop, code].map(({ connection }) => new Promise((resolve) => connection.onServiceChange(resolve))),
  );
  await h.control(`access-requests/${pending.access_request_id}/approve`);
  await bothSwitched;
  expect(code.connection.status()).toMatchObject({ state: 'authorized' });
  expect(desktop.connection.status()).toMatchObject({ state: 'authorized' });
  expect(await h.requests('POST /access-requests')).toHaveLength(1);
});

it('stops claiming to be connected when another process found the access revoked', async () => {
  const h = await harness();
  const desktop = await approved(h);
  const code = connect(h, h.newClient());
  const { memory } = await code.connection.service().create({ content: content(h, 'Shared by both.') });
  await h.control(`access-requests/${desktop.requestId}/revoke`);

  // Desktop notices first and forgets the shared credentials; then Code is refused too.
  await rejectionOf(h, desktop.connection.service().read([memory.id]));
  await stateBecomes(desktop.flow, 'revoked');
  await rejectionOf(h, code.connection.service().read([memory.id]));
  h.seen(await stateBecomes(code.flow, 'not_connected'));
  expect(refusal(h, code.connection).code).toBe('AUTH_REQUIRED');
});
