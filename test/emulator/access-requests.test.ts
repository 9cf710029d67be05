import { describe, expect, it } from 'vitest';
import { api, control, start, tokenFor } from './helpers.js';

const CUID = /^c[0-9a-z]{24}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('access requests', () => {
  it('runs the whole lifecycle: pending, 403 credentials, approve, credentials, revoke', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const user = e.demoUser;
    const created = await api(e, 'POST', '/access-requests', {
      token,
      body: { memoryKey: user.memory_key, reason: 'DemoBot would like to access your ai memories' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(
      ['aiConnectorId', 'createdAt', 'id', 'memoryKey', 'reason', 'status', 'updatedAt', 'user_id'].sort(),
    );
    expect(created.body).toMatchObject({ status: 'pending', memoryKey: user.memory_key, user_id: null });
    expect(created.body.id).toMatch(CUID);
    const id: string = created.body.id;

    const credentialsPath = `/access-requests/${id}/credentials`;
    const early = await api(e, 'GET', credentialsPath, { token });
    expect(early.status).toBe(403);
    expect(early.body).toMatchObject({ error: 'forbidden' });
    expect((await api(e, 'GET', '/memory-blobs', { token, query: { user_id: user.user_id } })).status).toBe(
      403,
    );

    await control(e, 'POST', '/clock', { advanceSeconds: 1 });
    const approved = await control(e, 'POST', `/access-requests/${id}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ id, status: 'approved', user_id: user.user_id });
    expect(Date.parse(approved.body.updatedAt)).toBeGreaterThan(Date.parse(created.body.createdAt));
    expect((await api(e, 'GET', `/access-requests/${id}`, { token })).body).toEqual(approved.body);

    const credentials = await api(e, 'GET', credentialsPath, { token });
    expect(credentials.status).toBe(200);
    expect(credentials.body).toEqual(user);
    expect(credentials.body.user_id).toMatch(UUID);
    expect(credentials.body.encryption_key).toMatch(/^[0-9a-f]{64}$/);
    expect(credentials.body.key_version).toBe(1);
    expect((await api(e, 'GET', '/memory-blobs', { token, query: { user_id: user.user_id } })).status).toBe(
      200,
    );

    const revoked = await control(e, 'POST', `/access-requests/${id}/revoke`);
    expect(revoked.body).toMatchObject({ status: 'revoked', user_id: user.user_id });
    expect((await api(e, 'GET', credentialsPath, { token })).status).toBe(403);
    const query = { user_id: user.user_id };
    expect((await api(e, 'GET', '/memory-blobs', { token, query })).status).toBe(403);
    expect((await api(e, 'GET', '/tags', { token, query })).status).toBe(403);
    const write = { user_id: user.user_id, memoryKey: user.memory_key, content: 'x' };
    expect((await api(e, 'POST', '/memory-blobs', { token, body: write })).status).toBe(403);
  });

  it('rejects, and refuses transitions the dashboard does not allow with 409', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const body = { memoryKey: e.demoUser.memory_key, reason: 'why not' };
    const { id } = (await api(e, 'POST', '/access-requests', { token, body })).body;
    expect((await control(e, 'POST', `/access-requests/${id}/revoke`)).status).toBe(409);
    const rejected = await control(e, 'POST', `/access-requests/${id}/reject`);
    expect(rejected.body).toMatchObject({ status: 'rejected', user_id: null });
    expect((await api(e, 'GET', `/access-requests/${id}/credentials`, { token })).status).toBe(403);
    for (const action of ['approve', 'reject', 'revoke']) {
      const reply = await control(e, 'POST', `/access-requests/${id}/${action}`);
      expect(reply.status).toBe(409);
      expect(reply.body.error).toBe('conflict');
    }
    expect((await control(e, 'POST', '/access-requests/cnope/approve')).status).toBe(404);
  });

  it('validates the body and answers 404 for an unknown memory key', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const post = (body: unknown) => api(e, 'POST', '/access-requests', { token, body });
    expect((await post({ memoryKey: 'mk_nobody', reason: 'x' })).status).toBe(404);
    const long = await post({ memoryKey: e.demoUser.memory_key, reason: 'r'.repeat(256) });
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({ error: 'invalid_request' });
    expect(long.body.message).toMatch(/reason/);
    expect((await post({ memoryKey: e.demoUser.memory_key, reason: 'r'.repeat(255) })).status).toBe(201);
    expect((await post({ reason: 'x' })).status).toBe(400);
    expect((await post({ memory_key: e.demoUser.memory_key, reason: 'x' })).status).toBe(400);
    const text = await api(e, 'POST', '/access-requests', {
      token,
      body: { memoryKey: e.demoUser.memory_key, reason: 'x' },
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
  });

  it('lists only this developer’s requests, with limit/cursor only when asked', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const reply = await api(e, 'POST', '/access-requests', {
        token,
        body: { memoryKey: e.demoUser.memory_key, reason: `request ${i}` },
      });
      ids.push(reply.body.id);
    }
    const other = await control(e, 'POST', '/developers');
    expect(other.status).toBe(201);
    const otherToken = await tokenFor(e, other.body.api_key);
    const foreign = await api(e, 'POST', '/access-requests', {
      token: otherToken,
      body: { memoryKey: e.demoUser.memory_key, reason: 'someone else' },
    });
    expect(foreign.body.aiConnectorId).toBe(other.body.ai_connector_id);

    const all = await api(e, 'GET', '/access-requests', { token });
    expect(Object.keys(all.body).sort()).toEqual(['items', 'total']);
    expect(all.body.total).toBe(7);
    expect(all.body.items.map((item: { id: string }) => item.id).sort()).toEqual([...ids].sort());
    expect((await api(e, 'GET', `/access-requests/${foreign.body.id}`, { token })).status).toBe(404);
    expect((await api(e, 'GET', `/access-requests/${foreign.body.id}/credentials`, { token })).status).toBe(
      404,
    );
    expect((await api(e, 'GET', '/access-requests/cunknown', { token })).status).toBe(404);

    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query: Record<string, string | number> = { limit: 3, ...(cursor ? { cursor } : {}) };
      const page = await api(e, 'GET', '/access-requests', { token, query });
      expect(page.body.total).toBe(7);
      expect(page.body).toHaveProperty('next_cursor');
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.next_cursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(all.body.items.map((item: { id: string }) => item.id));
    expect((await api(e, 'GET', '/access-requests', { token, query: { limit: 0 } })).status).toBe(400);
    expect((await api(e, 'GET', '/access-requests', { token, query: { cursor: '%%%' } })).status).toBe(400);
  });
});
