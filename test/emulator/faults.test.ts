import { describe, expect, it, vi } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { api, approvedSession, control, createBlob, start } from './helpers.js';

describe('fault switches', () => {
  it('answers the next N matching requests with a status and Retry-After, then recovers', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const query = { user_id: s.userId };
    const added = await control(e, 'POST', '/faults', {
      route: 'GET /memory-blobs',
      count: 2,
      status: 429,
      retryAfter: 3,
    });
    expect(added).toMatchObject({
      status: 201,
      body: { route: 'GET /memory-blobs', remaining: 2, status: 429 },
    });
    expect((await api(e, 'GET', '/tags', { token: s.token, query })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const reply = await api(e, 'GET', '/memory-blobs', { token: s.token, query });
      expect(reply.status).toBe(429);
      expect(reply.headers.get('retry-after')).toBe('3');
      expect(reply.body).toMatchObject({ error: 'rate_limited' });
    }
    expect((await api(e, 'GET', '/memory-blobs', { token: s.token, query })).status).toBe(200);
    expect((await control(e, 'GET', '/faults')).body).toEqual({ faults: [] });
    const log = (await control(e, 'GET', '/requests')).body.requests;
    const statuses = log.filter((entry: { route: string }) => entry.route === 'GET /memory-blobs');
    expect(statuses.map((entry: { status: number }) => entry.status)).toEqual([429, 429, 200]);
    expect(statuses[0].fault).toEqual({ route: 'GET /memory-blobs', status: 429, retryAfter: 3 });
  });

  it('fails before auth, with 500 unless told otherwise, and on path templates', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const { id } = await createBlob(e, s);
    await control(e, 'POST', '/faults', { route: 'GET /memory-blobs/{blobId}', count: 1 });
    const reply = await api(e, 'GET', `/memory-blobs/${id}`, { query: { user_id: s.userId } });
    expect(reply).toMatchObject({ status: 500, body: { error: 'internal_error' } });
    await control(e, 'POST', '/faults', { route: 'POST /auth/token', status: 503 });
    expect((await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } })).status).toBe(503);
    expect((await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } })).status).toBe(200);
  });

  it('delays a request, then handles it', async () => {
    const e = await start();
    // A delay long enough that a loaded machine's slowest plain request stays well under it.
    await control(e, 'POST', '/faults', { route: 'POST /auth/token', count: 1, delayMs: 1_000 });
    const started = performance.now();
    const reply = await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } });
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    const fast = performance.now();
    await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } });
    expect(performance.now() - fast).toBeLessThan(990);
  });

  it('cuts a pending delay short when the emulator closes', async () => {
    const e = await startEmulator();
    await control(e, 'POST', '/faults', { route: 'POST /auth/token', delayMs: 60_000 });
    const pending = api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } });
    await vi.waitFor(async () => {
      const { requests } = (await control(e, 'GET', '/requests')).body;
      expect(requests).toHaveLength(1);
    });
    const started = performance.now();
    await e.close();
    await expect(pending).rejects.toThrow(TypeError);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('drops the connection without a response', async () => {
    const e = await start();
    const s = await approvedSession(e);
    await control(e, 'POST', '/faults', { route: 'GET /access-requests/{requestId}', drop: true });
    await expect(api(e, 'GET', `/access-requests/${s.requestId}`, { token: s.token })).rejects.toThrow(
      TypeError,
    );
    const ok = await api(e, 'GET', `/access-requests/${s.requestId}`, { token: s.token });
    expect(ok.status).toBe(200);
    const log = (await control(e, 'GET', '/requests')).body.requests;
    expect(log.at(-2)).toMatchObject({ route: 'GET /access-requests/{requestId}', status: null });
  });

  it('afterHandling: the create lands while the client sees a failure', async () => {
    const e = await start();
    const s = await approvedSession(e);
    const body = { user_id: s.userId, memoryKey: s.memoryKey, content: 'landed once' };
    await control(e, 'POST', '/faults', { route: 'POST /memory-blobs', status: 502, afterHandling: true });
    const failed = await api(e, 'POST', '/memory-blobs', { token: s.token, body });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toBe('bad_gateway');
    await control(e, 'POST', '/faults', { route: 'POST /memory-blobs', drop: true, afterHandling: true });
    await expect(api(e, 'POST', '/memory-blobs', { token: s.token, body })).rejects.toThrow(TypeError);
    const list = await api(e, 'GET', '/memory-blobs', { token: s.token, query: { user_id: s.userId } });
    expect(list.body.memoryBlobs.map((blob: { content: string }) => blob.content)).toEqual([
      'landed once',
      'landed once',
    ]);
  });

  it('validates fault specs and clears them', async () => {
    const e = await start();
    const unknown = await control(e, 'POST', '/faults', { route: 'GET /memory-blob', count: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('GET /memory-blobs/{blobId}');
    expect(
      (await control(e, 'POST', '/faults', { route: 'GET /tags', drop: true, status: 500 })).status,
    ).toBe(400);
    expect((await control(e, 'POST', '/faults', { route: 'GET /tags', count: 0 })).status).toBe(400);
    await control(e, 'POST', '/faults', { route: 'POST /auth/token', count: 5 });
    expect((await control(e, 'GET', '/faults')).body.faults).toHaveLength(1);
    expect((await control(e, 'DELETE', '/faults')).status).toBe(200);
    expect((await api(e, 'POST', '/auth/token', { body: { api_key: e.apiKey } })).status).toBe(200);
  });
});
