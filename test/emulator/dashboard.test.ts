import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { api, control, start, tokenFor } from './helpers.js';
import { browse, hiddenField } from './oauth-helpers.js';

const XSS = '<script>alert(1)</script> & "quotes" \'too\'';

async function requestAccess(e: RunningEmulator, reason: string, user = e.demoUser, apiKey = e.apiKey) {
  const token = await tokenFor(e, apiKey);
  const created = await api(e, 'POST', '/access-requests', {
    token,
    body: { memoryKey: user.memory_key, reason },
  });
  expect(created.status).toBe(201);
  return { id: created.body.id as string, token };
}

/** Submits a dashboard form the way the page would, with the page's own hidden fields. */
async function submit(
  e: RunningEmulator,
  path: string,
  page: string,
  overrides: Record<string, string> = {},
) {
  const form = { csrf: hiddenField(page, 'csrf'), user: hiddenField(page, 'user'), ...overrides };
  return browse(`${e.dashboardUrl}${path}`, { form });
}

describe('GET /dashboard', () => {
  it('shows the demo user, their key version and their access requests, escaped, as a secured page', async () => {
    const e = await start();
    expect(e.dashboardUrl).toBe(`${e.origin}/dashboard`);
    const { id } = await requestAccess(e, XSS);
    const page = await browse(e.dashboardUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).toBe('no-store');
    for (const part of [e.demoUser.user_id, e.demoUser.memory_key, 'memoram-mcp (emulator)', id, 'pending']) {
      expect(page.text).toContain(part);
    }
    expect(page.text).toMatch(/id="key-version">1</);
    expect(page.text).toContain(
      '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;',
    );
    expect(page.text).not.toContain('<script');
    expect(page.text).toContain(`action="/dashboard/access-requests/${id}/approve"`);
    expect(page.text).toContain(`action="/dashboard/access-requests/${id}/reject"`);
    expect(page.text).not.toContain('/revoke"');
    expect(page.text).not.toContain(e.demoUser.encryption_key);
  });

  it('says so when there are no requests, and shows 404 and 405 as pages', async () => {
    const e = await start();
    expect((await browse(e.dashboardUrl)).text).toContain('No application has asked for access yet.');
    expect((await browse(`${e.dashboardUrl}/`)).status).toBe(200);
    const missing = await browse(`${e.dashboardUrl}/nothing`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    const wrongMethod = await browse(`${e.dashboardUrl}/rotate-key`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    expect((await browse(`${e.dashboardUrl}?user=nobody`)).status).toBe(404);
  });

  it('approves, rejects and revokes through forms that 303 back, visible through the REST API', async () => {
    const e = await start();
    const first = await requestAccess(e, 'first');
    const second = await requestAccess(e, 'second');
    const statusOf = async (id: string) =>
      (await api(e, 'GET', `/access-requests/${id}`, { token: first.token })).body.status;
    const page = (await browse(e.dashboardUrl)).text;

    const approved = await submit(e, `/access-requests/${first.id}/approve`, page);
    expect(approved.status).toBe(303);
    expect(approved.location!.toString()).toBe(e.dashboardUrl);
    expect(await statusOf(first.id)).toBe('approved');
    const credentials = await api(e, 'GET', `/access-requests/${first.id}/credentials`, {
      token: first.token,
    });
    expect(credentials.body.user_id).toBe(e.demoUser.user_id);
    expect((await submit(e, `/access-requests/${second.id}/reject`, page)).status).toBe(303);
    expect(await statusOf(second.id)).toBe('rejected');
    const after = (await browse(e.dashboardUrl)).text;
    expect(after).toContain(`action="/dashboard/access-requests/${first.id}/revoke"`);
    expect((await submit(e, `/access-requests/${first.id}/revoke`, after)).status).toBe(303);
    expect(await statusOf(first.id)).toBe('revoked');

    const again = await submit(e, `/access-requests/${second.id}/approve`, page);
    expect(again.status).toBe(409);
    expect(again.text).toContain('This request is rejected, so it cannot be approved.');
    expect((await submit(e, '/access-requests/cnothing/approve', page)).status).toBe(404);
  });

  it('rotates the user’s key', async () => {
    const e = await start({ autoApprove: true });
    const { id, token } = await requestAccess(e, 'rotation');
    const page = (await browse(e.dashboardUrl)).text;
    const rotated = await submit(e, '/rotate-key', page);
    expect(rotated.status).toBe(303);
    const credentials = await api(e, 'GET', `/access-requests/${id}/credentials`, { token });
    expect(credentials.body.key_version).toBe(2);
    expect(credentials.body.encryption_key).not.toBe(e.demoUser.encryption_key);
    expect((await browse(e.dashboardUrl)).text).toMatch(/id="key-version">2</);
  });

  it('refuses a form without the page’s CSRF token, or with another user’s', async () => {
    const e = await start();
    const other = (await control(e, 'POST', '/users')).body;
    const { id, token } = await requestAccess(e, 'csrf');
    const page = (await browse(e.dashboardUrl)).text;
    const otherPage = (await browse(`${e.dashboardUrl}?user=${other.user_id}`)).text;
    const path = `/access-requests/${id}/approve`;
    const attempts = [
      await browse(`${e.dashboardUrl}${path}`, { form: { user: e.demoUser.user_id } }),
      await submit(e, path, page, { csrf: 'forged' }),
      await submit(e, path, page, { csrf: hiddenField(otherPage, 'csrf') }),
      await submit(e, '/rotate-key', page, { csrf: '' }),
    ];
    for (const attempt of attempts) {
      expect(attempt.status).toBe(403);
      expect(attempt.location).toBeNull();
      expect(attempt.text).toContain('nothing was changed');
    }
    const json = await fetch(`${e.dashboardUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csrf: hiddenField(page, 'csrf'), user: e.demoUser.user_id }),
    });
    expect(json.status).toBe(415);
    const huge = await submit(e, path, page, { padding: 'x'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect((await api(e, 'GET', `/access-requests/${id}`, { token })).body.status).toBe('pending');
    const state = (await control(e, 'GET', '/state')).body;
    expect(state.users.map((user: { key_version: number }) => user.key_version)).toEqual([1, 1]);
  });

  it('selects a user with ?user=, showing only their requests and acting only on them', async () => {
    const e = await start();
    const other = (await control(e, 'POST', '/users')).body;
    const app = (await control(e, 'POST', '/developers', { name: 'Second <b>app</b>' })).body;
    const mine = await requestAccess(e, 'for the demo user');
    const theirs = await requestAccess(e, 'for the other user', other, app.api_key);
    const page = await browse(`${e.dashboardUrl}?user=${other.user_id}`);
    expect(page.text).toContain(theirs.id);
    expect(page.text).toContain('Second &lt;b&gt;app&lt;/b&gt;');
    expect(page.text).not.toContain(mine.id);
    expect(page.text).toContain(`href="/dashboard"`);
    expect(hiddenField(page.text, 'user')).toBe(other.user_id);
    const crossed = await submit(e, `/access-requests/${mine.id}/approve`, page.text);
    expect(crossed.status).toBe(404);
    const approved = await submit(e, `/access-requests/${theirs.id}/approve`, page.text);
    expect(approved.status).toBe(303);
    expect(approved.location!.toString()).toBe(`${e.dashboardUrl}?user=${other.user_id}`);
    const demo = (await browse(e.dashboardUrl)).text;
    expect(demo).toContain(mine.id);
    expect(demo).not.toContain(theirs.id);
    expect(demo).toContain(`href="/dashboard?user=${other.user_id}"`);
  });

  it('answers only when addressed by IP address or as localhost, so a rebound name cannot read the key', async () => {
    const e = await start();
    const { port } = new URL(e.origin);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `192.168.1.20:${port}`]) {
      const page = await getWithHost(e.dashboardUrl, host);
      expect(page.status).toBe(200);
      expect(page.text).toContain(e.demoUser.memory_key);
    }
    for (const host of [`attacker.example:${port}`, `127.0.0.1.attacker.example:${port}`]) {
      const page = await getWithHost(e.dashboardUrl, host);
      expect(page.status).toBe(403);
      expect(page.text).not.toContain(e.demoUser.memory_key);
    }
  });

  it('is not part of the API, so the request log leaves it out', async () => {
    const e = await start();
    await browse(e.dashboardUrl);
    expect((await control(e, 'GET', '/requests')).body.requests).toEqual([]);
  });
});

/** A GET with the Host header a browser would send for `host`, which fetch does not let one set. */
function getWithHost(url: string, host: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host }, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end();
  });
}
