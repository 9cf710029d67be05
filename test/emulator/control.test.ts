import { Agent, request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { emulatorBanner } from '../../src/emulator/index.js';
import { api, approvedSession, control, type Json, start, tokenFor } from './helpers.js';

/** A GET through `agent`; `false` opens a fresh TCP connection. */
function get(url: string, headers: Record<string, string>, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A control call with the headers set exactly (fetch would not let a test set Host). */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('control API', () => {
  it('rotates a user’s key: new encryption_key, key_version + 1, blobs untouched', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const before = (await api(e, 'GET', `/access-requests/${s.requestId}/credentials`, { token: s.token }))
      .body;
    const rotated = await control(e, 'POST', `/users/${s.userId}/rotate-key`);
    expect(rotated).toMatchObject({ status: 200, body: { user_id: s.userId, key_version: 2 } });
    const after = (await api(e, 'GET', `/access-requests/${s.requestId}/credentials`, { token: s.token }))
      .body;
    expect(after).toMatchObject({ user_id: s.userId, memory_key: s.memoryKey, key_version: 2 });
    expect(after.encryption_key).toMatch(/^[0-9a-f]{64}$/);
    expect(after.encryption_key).not.toBe(before.encryption_key);
    expect((await control(e, 'POST', '/users/00000000-0000-4000-8000-000000000000/rotate-key')).status).toBe(
      404,
    );
  });

  it('creates users and developer apps, and shows the state', async () => {
    const e = await start();
    const user = await control(e, 'POST', '/users');
    expect(user.status).toBe(201);
    expect(Object.keys(user.body).sort()).toEqual(['encryption_key', 'key_version', 'memory_key', 'user_id']);
    expect(user.body.user_id).not.toBe(e.demoUser.user_id);
    const developer = await control(e, 'POST', '/developers');
    expect(developer.body.api_key).toMatch(/^mem_[0-9a-f]{48}$/);
    expect(developer.body.client_id).not.toBe(e.clientId);
    expect(developer.body).toMatchObject({ name: 'Test app (emulator)', redirect_uris: [] });
    expect(developer.body.client_secret).toBeUndefined();
    const named = await control(e, 'POST', '/developers', {
      name: 'Named',
      redirect_uris: ['https://a.example/cb'],
    });
    expect(named.body).toMatchObject({ name: 'Named', redirect_uris: ['https://a.example/cb'] });
    expect(
      (await control(e, 'POST', '/developers', { redirect_uris: ['https://a.example/#x'] })).status,
    ).toBe(400);
    const s = await approvedSession(e, user.body);
    const state = await control(e, 'GET', '/state');
    expect(state.body.users).toHaveLength(2);
    expect(state.body.users).toEqual(
      expect.arrayContaining([
        { user_id: e.demoUser.user_id, key_version: 1 },
        { user_id: user.body.user_id, key_version: 1 },
      ]),
    );
    expect(state.body.access_requests).toEqual([
      expect.objectContaining({ id: s.requestId, status: 'approved', user_id: user.body.user_id }),
    ]);
    expect((await control(e, 'GET', '/nothing')).status).toBe(404);
    expect((await control(e, 'POST', '/jwt-lifetime', { seconds: 0 })).status).toBe(400);
  });

  it('creates a user with a given encryption key (any hex), which the credentials then carry', async () => {
    const e = await start();
    const short = 'ab'.repeat(16);
    const user = await control(e, 'POST', '/users', { encryption_key: short });
    expect(user).toMatchObject({ status: 201, body: { encryption_key: short, key_version: 1 } });
    const s = await approvedSession(e, user.body);
    const credentials = await api(e, 'GET', `/access-requests/${s.requestId}/credentials`, {
      token: s.token,
    });
    expect(credentials.body).toMatchObject({ user_id: user.body.user_id, encryption_key: short });
    expect((await control(e, 'POST', '/users', { encryption_key: 'not hex' })).status).toBe(400);
  });

  it('refuses requests addressed to a name other than loopback (DNS rebinding)', async () => {
    const e = await start();
    const { port } = new URL(e.origin);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await raw(`${e.origin}/__emulator/state`, 'GET', { host })).status).toBe(200);
    }
    for (const host of [
      `attacker.example:${port}`,
      'attacker.example',
      `127.0.0.1.attacker.example:${port}`,
    ]) {
      const reply = await raw(`${e.origin}/__emulator/requests`, 'GET', { host });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ error: 'forbidden' });
    }
  });

  it('refuses requests a web page sends (any Origin but its own), so a page cannot approve', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const created = await api(e, 'POST', '/access-requests', {
      token,
      body: { memoryKey: e.demoUser.memory_key, reason: 'A page wants it' },
    });
    const approve = `${e.origin}/__emulator/access-requests/${created.body.id}/approve`;
    const host = new URL(e.origin).host;
    for (const origin of ['https://attacker.example', 'null', `http://localhost:${new URL(e.origin).port}`]) {
      const reply = await raw(approve, 'POST', { host, origin });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ error: 'forbidden' });
    }
    expect((await control(e, 'GET', '/state')).body.access_requests[0].status).toBe('pending');
    // The emulator's own origin is allowed.
    expect((await raw(approve, 'POST', { host, origin: e.origin })).status).toBe(200);
  });

  it('logs API requests in order with route, query, headers, raw body, status and connection', async () => {
    const e = await start();
    const token = await tokenFor(e);
    await api(e, 'GET', '/tags', { token, query: { user_id: e.demoUser.user_id, limit: 5 } });
    await control(e, 'GET', '/state');
    const { requests } = (await control(e, 'GET', '/requests')).body;
    expect(requests).toHaveLength(2);
    const [issue, tags] = requests;
    expect(issue).toMatchObject({
      method: 'POST',
      path: '/api/v1/auth/token',
      route: 'POST /auth/token',
      query: {},
      status: 200,
      body: JSON.stringify({ api_key: e.apiKey }),
      fault: null,
    });
    expect(issue.headers['content-type']).toBe('application/json');
    expect(issue.headers.authorization).toBeUndefined();
    expect(tags).toMatchObject({
      method: 'GET',
      path: '/api/v1/tags',
      route: 'GET /tags',
      query: { user_id: e.demoUser.user_id, limit: '5' },
      status: 403,
      body: null,
    });
    expect(tags.headers.authorization).toBe(`Bearer ${token}`);
    expect(Date.parse(tags.at)).toBeGreaterThanOrEqual(Date.parse(issue.at));

    expect((await control(e, 'DELETE', '/requests')).body).toEqual({ requests: [] });
    expect((await control(e, 'GET', '/requests')).body.requests).toEqual([]);
    await api(e, 'GET', '/unknown');
    expect((await control(e, 'GET', '/requests')).body.requests).toMatchObject([
      { path: '/api/v1/unknown', route: null, status: 404 },
    ]);
  });

  it('numbers TCP connections, so tests can count the connections a client opened', async () => {
    const e = await start();
    const headers = { authorization: `Bearer ${await tokenFor(e)}` };
    const url = `${e.apiUrl}/access-requests`;
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    await control(e, 'DELETE', '/requests');
    for (const agent of [false, false, keepAlive, keepAlive, keepAlive] as const) {
      expect(await get(url, headers, agent)).toBe(200);
    }
    keepAlive.destroy();
    const { requests } = (await control(e, 'GET', '/requests')).body;
    const connections: number[] = requests.map((entry: { connection: number }) => entry.connection);
    expect(connections.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
    expect(new Set(connections.slice(0, 3)).size).toBe(3);
    expect(new Set(connections.slice(2)).size).toBe(1);
  });

  it('prints a banner with everything needed to point memoram-mcp at it', async () => {
    const e = await start();
    const banner = emulatorBanner(e);
    for (const part of [
      e.origin,
      `MEMORAM_API_URL=${e.apiUrl}`,
      `MEMORAM_API_KEY=${e.apiKey}`,
      `MEMORAM_MEMORY_KEY=${e.demoUser.memory_key}`,
      `MEMORAM_CLIENT_ID=${e.clientId}`,
      e.demoUser.user_id,
      `${e.origin}/__emulator`,
      `${e.origin}/dashboard`,
      `${e.apiUrl}/oauth/authorize`,
      `${e.apiUrl}/oauth/token`,
    ]) {
      expect(banner).toContain(part);
    }
    expect(e.apiUrl).toBe(`${e.origin}/api/v1`);
    expect(e).toMatchObject({
      authorizeUrl: `${e.apiUrl}/oauth/authorize`,
      tokenUrl: `${e.apiUrl}/oauth/token`,
      dashboardUrl: `${e.origin}/dashboard`,
    });
    expect(e.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
