import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { api, approvedSession, control, createBlob, start, tempDir, tokenFor } from './helpers.js';
import { authorizationCode, authorizeUrl, browse, exchange, pkce, token } from './oauth-helpers.js';

describe('persistence and options', () => {
  it('keeps the developer app, users, access requests, blobs and tags in the dbFile across restarts', async () => {
    const dbFile = path.join(await tempDir(), 'nested', 'emulator.db');
    const first = await startEmulator({ dbFile });
    const s = await approvedSession(first);
    const blob = await createBlob(first, s, { content: 'kept', tags: ['durable'] });
    const extraUser = (await control(first, 'POST', '/users')).body;
    await control(first, 'POST', `/users/${s.userId}/rotate-key`);
    await first.close();

    const second = await start({ dbFile });
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.clientId).toBe(first.clientId);
    expect(second.demoUser).toEqual({
      ...first.demoUser,
      encryption_key: expect.any(String),
      key_version: 2,
    });
    const old = await api(second, 'GET', '/memory-blobs', { token: s.token, query: { user_id: s.userId } });
    expect(old.status).toBe(200);
    expect(old.body.memoryBlobs).toEqual([
      expect.objectContaining({ id: blob.id, content: 'kept', tags: ['durable'] }),
    ]);
    const request = await api(second, 'GET', `/access-requests/${s.requestId}`, { token: s.token });
    expect(request.body.status).toBe('approved');
    const state = (await control(second, 'GET', '/state')).body;
    expect(state.users.map((user: { user_id: string }) => user.user_id)).toContain(extraUser.user_id);
    await second.close();

    const apiKey = `mem_${'cd'.repeat(24)}`;
    const third = await start({ dbFile, apiKey });
    expect(third.apiKey).toBe(apiKey);
    expect(third.clientId).toBe(first.clientId);
    expect((await api(third, 'POST', '/auth/token', { body: { api_key: first.apiKey } })).status).toBe(401);
    const token = await tokenFor(third);
    expect((await api(third, 'GET', `/access-requests/${s.requestId}`, { token })).status).toBe(200);
  });

  it('uses a fixed API key when given one', async () => {
    const apiKey = `mem_${'ab'.repeat(24)}`;
    const e = await start({ apiKey });
    expect(e.apiKey).toBe(apiKey);
    expect(await tokenFor(e, apiKey)).toMatch(/\./);
  });

  it('autoApprove: access requests are created approved and credentials are available at once', async () => {
    const e = await start({ autoApprove: true });
    const token = await tokenFor(e);
    const created = await api(e, 'POST', '/access-requests', {
      token,
      body: { memoryKey: e.demoUser.memory_key, reason: 'demo' },
    });
    expect(created).toMatchObject({ status: 201, body: { status: 'approved', user_id: e.demoUser.user_id } });
    const credentials = await api(e, 'GET', `/access-requests/${created.body.id}/credentials`, { token });
    expect(credentials.body).toEqual(e.demoUser);
  });

  it('defaults to a silent, in-memory emulator on an ephemeral loopback port, and validates options', async () => {
    const a = await start();
    const b = await start();
    expect(a.origin).not.toBe(b.origin);
    expect(a.demoUser.user_id).not.toBe(b.demoUser.user_id);
    await expect(startEmulator({ jwtLifetimeSeconds: 0 })).rejects.toThrow(/jwtLifetimeSeconds/);
    const short = await start({ jwtLifetimeSeconds: 60 });
    const reply = await api(short, 'POST', '/auth/token', { body: { api_key: short.apiKey } });
    expect((Date.parse(reply.body.expires_at) - Date.now()) / 1000).toBeCloseTo(60, -1);
    await a.close();
    await a.close();
  });

  it('keeps OAuth grants across a restart: a refresh token issued before still works after', async () => {
    const dbFile = path.join(await tempDir(), 'oauth.db');
    const first = await startEmulator({ dbFile });
    const { code, verifier } = await authorizationCode(first);
    const issued = (await exchange(first, code, verifier)).body;
    await first.close();
    const second = await start({ dbFile });
    const fields = {
      grant_type: 'refresh_token',
      refresh_token: issued.refresh_token,
      client_id: second.clientId,
    };
    const refreshed = await token(second, fields);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.memory_key).toBe(first.demoUser.memory_key);
    const stored = new Database(dbFile, { readonly: true });
    const dump = JSON.stringify(stored.prepare('SELECT * FROM emu_oauth_tokens').all());
    stored.close();
    expect(dump).not.toContain(issued.refresh_token);
    expect(dump).not.toContain(refreshed.body.access_token);
  });

  it('upgrades a database written before developer apps had names and OAuth settings', async () => {
    const dbFile = path.join(await tempDir(), 'old.db');
    const apiKey = `mem_${'ef'.repeat(24)}`;
    const old = new Database(dbFile);
    old.exec(`CREATE TABLE emu_developers (id TEXT PRIMARY KEY, api_key TEXT NOT NULL UNIQUE,
      client_id TEXT NOT NULL UNIQUE, is_primary INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)`);
    old
      .prepare('INSERT INTO emu_developers VALUES (?, ?, ?, 1, ?)')
      .run('cold', apiKey, 'client_old', '2025-01-01');
    old.close();
    const e = await start({ dbFile });
    expect({ apiKey: e.apiKey, clientId: e.clientId }).toEqual({ apiKey, clientId: 'client_old' });
    const page = await browse(authorizeUrl(e, pkce().challenge));
    expect(page.text).toContain('Allow memoram-mcp (emulator) to use your memories?');
  });
});
