import path from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { api, control, start, tempDir, tokenFor } from './helpers.js';

describe('POST /auth/token', () => {
  it('trades the API key for an HS256 JWT with the contract spellings', async () => {
    const e = await start();
    expect(e.apiKey).toMatch(/^mem_[0-9a-f]{48}$/);
    const before = Date.now();
    const reply = await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(reply.body).sort()).toEqual(['expires_at', 'token', 'token_type']);
    expect(reply.body.token_type).toBe('Bearer');
    expect(reply.body.token.split('.')).toHaveLength(3);
    expect(reply.body.expires_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const lifetime = Date.parse(reply.body.expires_at) - before;
    expect(lifetime).toBeGreaterThan(3599_000);
    expect(lifetime).toBeLessThan(3602_000);
  });

  it('honours expires_in up to 86400 seconds', async () => {
    const e = await start();
    const ask = async (expires_in: number) => {
      const reply = await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey, expires_in } });
      return (Date.parse(reply.body.expires_at) - Date.now()) / 1000;
    };
    expect(await ask(60)).toBeCloseTo(60, -1);
    expect(await ask(10 * 86_400)).toBeCloseTo(86_400, -1);
  });

  it('answers 400 for a bad body and 401 for an unknown key', async () => {
    const e = await start();
    expect((await api(e, 'POST', '/auth/token', { body: {} })).status).toBe(400);
    expect(
      (await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey, expires_in: 'soon' } })).status,
    ).toBe(400);
    const badJson = await fetch(`${e.apiUrl}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"api_key": ',
    });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toEqual({
      error: 'invalid_request',
      message: 'The request body is not valid JSON.',
    });
    const unknown = await api(e, 'POST', '/auth/token', { body: { api_key: `mem_${'0'.repeat(48)}` } });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('unauthorized');
    expect(JSON.stringify(unknown.body)).not.toContain(e.apiKey);
  });
});

describe('Bearer JWT on the other routes', () => {
  it('refuses a missing, malformed or forged token with 401', async () => {
    const e = await start();
    const token = await tokenFor(e);
    const missing = await api(e, 'GET', '/access-requests');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({ error: 'unauthorized' });
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const basic = await api(e, 'GET', '/access-requests', { headers: { authorization: `Basic ${token}` } });
    expect(basic.status).toBe(401);
    expect((await api(e, 'GET', '/access-requests', { token: 'not-a-jwt' })).status).toBe(401);
    const other = await start();
    const foreign = await tokenFor(other);
    const badSignature = await api(e, 'GET', '/access-requests', { token: foreign });
    expect(badSignature.status).toBe(401);
    expect(badSignature.body.message).toMatch(/signature/);
    expect((await api(e, 'GET', '/access-requests', { token })).status).toBe(200);
  });

  it('expires tokens: jwt-lifetime sets the lifetime of new tokens, the clock moves time on', async () => {
    const e = await start();
    const longLived = await tokenFor(e);
    expect((await control(e, 'POST', '/jwt-lifetime', { seconds: 1 })).status).toBe(200);
    const issued = await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey, expires_in: 3600 } });
    const lifetime = Date.parse(issued.body.expires_at) - Date.now();
    expect(lifetime).toBeLessThanOrEqual(2000);
    expect((await api(e, 'GET', '/access-requests', { token: issued.body.token })).status).toBe(200);
    expect((await control(e, 'POST', '/clock', { advanceSeconds: 2 })).status).toBe(200);
    const expired = await api(e, 'GET', '/access-requests', { token: issued.body.token });
    expect(expired.status).toBe(401);
    expect(expired.body.message).toMatch(/expired/);
    expect((await api(e, 'GET', '/access-requests', { token: longLived })).status).toBe(200);
    await control(e, 'POST', '/jwt-lifetime', { seconds: null });
    const restored = await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } });
    expect(Date.parse(restored.body.expires_at) - Date.now()).toBeGreaterThan(3500_000);
  });

  it('refuses a token whose developer application no longer exists', async () => {
    const dbFile = path.join(await tempDir(), 'emulator.db');
    const first = await startEmulator({ dbFile });
    const token = await tokenFor(first);
    await first.close();
    const db = new Database(dbFile);
    db.prepare('UPDATE emu_developers SET id = ? WHERE is_primary = 1').run('cgone');
    db.close();
    const second = await start({ dbFile });
    const reply = await api(second, 'GET', '/access-requests', { token });
    expect(reply.status).toBe(401);
    expect(reply.body.message).toMatch(/unknown developer/);
  });
});
