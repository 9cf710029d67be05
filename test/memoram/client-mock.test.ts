/**
 * The odd cases the emulator cannot produce, through an injected undici MockAgent (never the
 * global dispatcher): a refused connection after the token was issued, malformed 2xx bodies,
 * a 204 delete, servers that page tags and access requests, and a cursor that loops.
 */
import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoramClient } from '../../src/memoram/client.js';
import { ConnectionError, UnexpectedResponseError } from '../../src/memoram/errors.js';
import { rejectionOf } from './helpers.js';

const ORIGIN = 'http://memoram.test';
const JSON_HEADERS = { 'content-type': 'application/json' };
const future = () => new Date(Date.now() + 3600_000).toISOString();
const accessRequest = {
  id: 'ar_1',
  status: 'pending',
  reason: 'r',
  memoryKey: 'mk',
  user_id: null,
  aiConnectorId: 'app',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};
const tag = (id: string) => ({ id, name: id });

let agent: MockAgent;
let sleeps: number[];
let client: MemoramClient;

function mock() {
  return agent.get(ORIGIN);
}

function connectError(code: string): Error {
  return Object.assign(new Error(`connect ${code}`), { code });
}

beforeEach(() => {
  agent = new MockAgent();
  agent.disableNetConnect();
  sleeps = [];
  client = new MemoramClient({
    apiUrl: `${ORIGIN}/api/v1`,
    apiKey: 'mem_test',
    dispatcher: agent,
    sleep: async (ms) => void sleeps.push(ms),
  });
  mock()
    .intercept({ path: '/api/v1/auth/token', method: 'POST' })
    .reply(200, { token: 'jwt', expires_at: future(), token_type: 'Bearer' }, { headers: JSON_HEADERS })
    .persist();
});

afterEach(async () => {
  await client.close();
  await agent.close();
});

describe('MemoramClient with an injected MockAgent', () => {
  it('retries an access request whose connection was refused, not one whose socket reset', async () => {
    const create = { path: '/api/v1/access-requests', method: 'POST' } as const;
    mock().intercept(create).replyWithError(connectError('ECONNREFUSED'));
    mock().intercept(create).reply(201, accessRequest, { headers: JSON_HEADERS });
    const created = await client.createAccessRequest({ memoryKey: 'mk', reason: 'r' });
    expect(created.id).toBe('ar_1');
    expect(sleeps).toHaveLength(1);

    mock().intercept(create).replyWithError(connectError('ECONNRESET'));
    // After a reset it looks for the request (not there), and does not post it again.
    mock()
      .intercept({ path: '/api/v1/access-requests', method: 'GET' })
      .reply(200, { items: [], total: 0 }, { headers: JSON_HEADERS });
    const error = await rejectionOf(client.createAccessRequest({ memoryKey: 'mk', reason: 'r' }));
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).cause).toMatchObject({ code: 'ECONNRESET' });
    expect(sleeps).toHaveLength(1);
  });

  it('rejects a 2xx body that misses a field, naming the endpoint and the field', async () => {
    mock()
      .intercept({ path: '/api/v1/memory-blobs/b1?user_id=u1', method: 'GET' })
      .reply(200, { id: 'b1', content: 'SECRET-CIPHERTEXT', created_at: 'x', updated_at: 'x' });
    const error = await rejectionOf(client.getMemoryBlob('b1', 'u1'));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toMatch(
      /^Memoram API GET \/memory-blobs\/\{blobId\} returned an unexpected response: user_id/,
    );
    expect(error.message).not.toContain('SECRET');
    expect(sleeps).toEqual([]);
  });

  it('rejects a 2xx body that is not JSON', async () => {
    mock().intercept({ path: '/api/v1/tags/t1?user_id=u1', method: 'GET' }).reply(200, '<html>oops</html>');
    const error = await rejectionOf(client.getTag('t1', 'u1'));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain('GET /tags/{tagId}');
    expect(error.message).not.toContain('oops');
  });

  it('rejects a token whose expires_at is not a date', async () => {
    const fresh = new MockAgent();
    fresh.disableNetConnect();
    fresh
      .get(ORIGIN)
      .intercept({ path: '/api/v1/auth/token', method: 'POST' })
      .reply(200, { token: 'jwt', expires_at: 'tomorrow', token_type: 'Bearer' });
    const other = new MemoramClient({ apiUrl: `${ORIGIN}/api/v1`, apiKey: 'mem_test', dispatcher: fresh });
    const error = await rejectionOf(other.listAccessRequests());
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain('POST /auth/token');
    expect(error.message).toContain('expires_at');
    await other.close();
    await fresh.close();
  });

  it('accepts 204 on delete and encodes path ids', async () => {
    mock().intercept({ path: '/api/v1/memory-blobs/a%2Fb?user_id=u1', method: 'DELETE' }).reply(204, '');
    await expect(client.deleteMemoryBlob('a/b', 'u1')).resolves.toBeUndefined();
  });

  it('follows next_cursor on tags and access requests when a server pages them', async () => {
    mock()
      .intercept({ path: '/api/v1/tags?user_id=u1', method: 'GET' })
      .reply(200, { items: [tag('t1')], next_cursor: 'c2' }, { headers: JSON_HEADERS });
    mock()
      .intercept({ path: '/api/v1/tags?user_id=u1&cursor=c2', method: 'GET' })
      .reply(200, { items: [tag('t2')], next_cursor: null }, { headers: JSON_HEADERS });
    const tags = await client.listTags('u1');
    expect(tags.items.map((item) => item.id)).toEqual(['t1', 't2']);

    const second = { ...accessRequest, id: 'ar_2' };
    mock()
      .intercept({ path: '/api/v1/access-requests', method: 'GET' })
      .reply(200, { items: [accessRequest], total: 2, next_cursor: 'n' }, { headers: JSON_HEADERS });
    mock()
      .intercept({ path: '/api/v1/access-requests?cursor=n', method: 'GET' })
      .reply(200, { items: [second], total: 2 }, { headers: JSON_HEADERS });
    const requests = await client.listAccessRequests();
    expect(requests).toEqual({ items: [accessRequest, second], total: 2, next_cursor: null });
  });

  it('stops on a cursor that repeats instead of looping forever', async () => {
    for (const path of ['/api/v1/tags?user_id=u1', '/api/v1/tags?user_id=u1&cursor=same']) {
      mock()
        .intercept({ path, method: 'GET' })
        .reply(200, { items: [tag('t')], next_cursor: 'same' }, { headers: JSON_HEADERS });
    }
    const error = await rejectionOf(client.listTags('u1'));
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect(error.message).toContain('next_cursor repeats');
  });

  it('leaves an injected dispatcher open on close()', async () => {
    await client.close();
    mock().intercept({ path: '/api/v1/access-requests/ar_1', method: 'GET' }).reply(200, accessRequest);
    const other = new MemoramClient({ apiUrl: `${ORIGIN}/api/v1`, apiKey: 'mem_test', dispatcher: agent });
    expect((await other.getAccessRequest('ar_1')).id).toBe('ar_1');
    await other.close();
  });
});
