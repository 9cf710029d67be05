import { describe, expect, it } from 'vitest';
import { control, start } from './helpers.js';
import {
  allow,
  authorizeUrl,
  browse,
  decide,
  exchange,
  hiddenField,
  type Page,
  pkce,
  REDIRECT_URI,
} from './oauth-helpers.js';

function expectPageHeaders(page: Page, formTargets = "'self'"): void {
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.headers.get('content-security-policy')).toContain(
    `default-src 'none'; style-src 'unsafe-inline'; form-action ${formTargets}`,
  );
  expect(page.headers.get('x-frame-options')).toBe('DENY');
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.headers.get('cache-control')).toBe('no-store');
}

/** An error page that sends the browser nowhere. */
function expectErrorPage(page: Page, text: RegExp): void {
  expect(page.status).toBe(400);
  expect(page.location).toBeNull();
  expectPageHeaders(page);
  expect(page.text).toMatch(text);
}

describe('GET /oauth/authorize', () => {
  it('shows a consent page naming the app, what it may do and the user, with a one-time token only', async () => {
    const e = await start();
    const { challenge } = pkce();
    const page = await browse(authorizeUrl(e, challenge));
    expect(page.status).toBe(200);
    expectPageHeaders(page, "'self' http://127.0.0.1:45678");
    for (const part of [
      'Memoram',
      'Emulator',
      'Allow memoram-mcp (emulator) to use your memories?',
      'search and read your memories',
      'save new memories',
      '<code>memories:read memories:write</code>',
      'Demo User &lt;demo.user@example.com&gt;',
      e.demoUser.user_id,
      'http://127.0.0.1:45678',
      'value="allow"',
      'value="deny"',
      'action="/api/v1/oauth/authorize/decision"',
      'name="viewport"',
    ]) {
      expect(page.text).toContain(part);
    }
    // The form carries the consent token, not the request: no state or challenge to tamper with.
    expect(page.text).not.toContain(challenge);
    expect(page.text).not.toContain('state-123');
    expect(hiddenField(page.text, 'consent')).toMatch(/^mcn_[\w-]{43}$/);
  });

  it('Allow redirects with a one-time code and the state; Deny with error=access_denied', async () => {
    const e = await start();
    const back = await allow(e, authorizeUrl(e, pkce().challenge));
    expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
    expect(back.searchParams.get('code')).toMatch(/^mco_[\w-]{43}$/);
    expect(back.searchParams.get('state')).toBe('state-123');

    const page = await browse(authorizeUrl(e, pkce().challenge, { state: 'deny & <go>' }));
    const denied = await decide(e, hiddenField(page.text, 'consent'), 'deny');
    expect(denied.status).toBe(302);
    expect(denied.headers.get('referrer-policy')).toBe('no-referrer');
    expect(Object.fromEntries(denied.location!.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the request.',
      state: 'deny & <go>',
    });
  });

  it('never redirects to an unknown client’s or an unusable redirect URI: it shows an error page', async () => {
    const e = await start();
    const { challenge } = pkce();
    expectErrorPage(await browse(authorizeUrl(e, challenge, { client_id: 'client_nope' })), /client_id/);
    expectErrorPage(await browse(authorizeUrl(e, challenge, { client_id: null })), /client_id/);
    for (const redirect_uri of [
      null,
      'https://evil.example/callback',
      'javascript:alert(1)',
      'ftp://127.0.0.1/cb',
      'http://127.0.0.1:45678/cb#fragment',
      'http://user:pass@127.0.0.1:45678/cb',
      'http://127.0.0.1.evil.example/cb',
      '/relative',
    ]) {
      expectErrorPage(await browse(authorizeUrl(e, challenge, { redirect_uri })), /redirect_uri/);
    }
    const twice = new URL(authorizeUrl(e, challenge));
    twice.searchParams.append('redirect_uri', 'https://evil.example/cb');
    expectErrorPage(await browse(twice.toString()), /redirect_uri/);
  });

  it('accepts any loopback port and the app’s registered redirect URIs', async () => {
    const e = await start();
    const { challenge } = pkce();
    for (const redirect_uri of ['http://localhost:9/cb', 'http://[::1]:1234/', 'http://127.0.0.1/x?keep=1']) {
      expect((await browse(authorizeUrl(e, challenge, { redirect_uri }))).status).toBe(200);
    }
    const app = await control(e, 'POST', '/developers', {
      name: 'Registered app',
      redirect_uris: ['https://app.example/oauth/callback'],
    });
    const registered = { client_id: app.body.client_id, redirect_uri: 'https://app.example/oauth/callback' };
    const page = await browse(authorizeUrl(e, challenge, registered));
    expect(page.status).toBe(200);
    expect(page.text).toContain('Allow Registered app to use your memories?');
    expect(page.headers.get('content-security-policy')).toContain("form-action 'self' https://app.example;");
    const other = { ...registered, redirect_uri: 'https://app.example/other' };
    expectErrorPage(await browse(authorizeUrl(e, challenge, other)), /redirect_uri/);
    // The query a redirect URI already has is kept.
    const back = await allow(e, authorizeUrl(e, challenge, { redirect_uri: 'http://127.0.0.1/x?keep=1' }));
    expect(back.searchParams.get('keep')).toBe('1');
  });

  it('reports a bad request to the client by redirect once the client and redirect URI are valid', async () => {
    const e = await start();
    const { challenge } = pkce();
    const errorOf = async (overrides: Record<string, string | null>) => {
      const page = await browse(authorizeUrl(e, challenge, overrides));
      expect(page.status).toBe(302);
      expect(`${page.location!.origin}${page.location!.pathname}`).toBe(REDIRECT_URI);
      expect(page.location!.searchParams.get('state')).toBe(overrides.state ?? 'state-123');
      return page.location!.searchParams.get('error');
    };
    expect(await errorOf({ response_type: 'token' })).toBe('unsupported_response_type');
    expect(await errorOf({ response_type: null, state: 'other' })).toBe('invalid_request');
    expect(await errorOf({ code_challenge: null })).toBe('invalid_request');
    expect(await errorOf({ code_challenge_method: 'plain' })).toBe('invalid_request');
    expect(await errorOf({ code_challenge_method: null })).toBe('invalid_request');
    expect(await errorOf({ code_challenge: 'short' })).toBe('invalid_request');
    const twice = new URL(authorizeUrl(e, challenge));
    twice.searchParams.append('scope', 'more');
    expect((await browse(twice.toString())).location!.searchParams.get('error')).toBe('invalid_request');
    const unknownUser = await browse(authorizeUrl(e, challenge, { login_hint: 'nobody' }));
    expectErrorPage(unknownUser, /login_hint/);
  });

  it('takes the decision only with a live, unused consent token from the page', async () => {
    const e = await start();
    const page = await browse(authorizeUrl(e, pkce().challenge));
    const consent = hiddenField(page.text, 'consent');
    const refused = [
      await browse(`${e.apiUrl}/oauth/authorize/decision`, { form: { decision: 'allow' } }),
      await decide(e, 'mcn_forged', 'allow'),
      await decide(e, `${consent}x`, 'allow'),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(400);
      expect(answer.location).toBeNull();
      expect(answer.text).toContain('no longer open');
    }
    const undecided = await browse(`${e.apiUrl}/oauth/authorize/decision`, { form: { consent } });
    expect(undecided.status).toBe(400);
    expect((await decide(e, consent, 'allow')).status).toBe(302);
    expect((await decide(e, consent, 'allow')).status).toBe(400);
    expect((await decide(e, consent, 'deny')).status).toBe(400);

    const late = await browse(authorizeUrl(e, pkce().challenge));
    await control(e, 'POST', '/clock', { advanceSeconds: 601 });
    expect((await decide(e, hiddenField(late.text, 'consent'), 'allow')).status).toBe(400);
    const json = await fetch(`${e.apiUrl}/oauth/authorize/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ consent, decision: 'allow' }),
    });
    expect(json.status).toBe(415);
    expect(json.headers.get('content-type')).toMatch(/^text\/html/);
  });

  it('acts for another seeded user named by login_hint', async () => {
    const e = await start();
    const user = (await control(e, 'POST', '/users')).body;
    const { verifier, challenge } = pkce();
    const page = await browse(authorizeUrl(e, challenge, { login_hint: user.user_id }));
    expect(page.text).toContain(user.user_id);
    expect(page.text).toContain(`/dashboard?user=${user.user_id}`);
    const back = await decide(e, hiddenField(page.text, 'consent'), 'allow');
    const reply = await exchange(e, back.location!.searchParams.get('code')!, verifier);
    expect(reply.body).toMatchObject({ user_id: user.user_id, memory_key: user.memory_key });
  });

  it('with autoApprove, redirects with a code at once, without a page', async () => {
    const e = await start({ autoApprove: true });
    const { verifier, challenge } = pkce();
    const page = await browse(authorizeUrl(e, challenge));
    expect(page.status).toBe(302);
    expect(page.text).toBe('');
    expect(page.location!.searchParams.get('state')).toBe('state-123');
    const reply = await exchange(e, page.location!.searchParams.get('code')!, verifier);
    expect(reply.body.memory_key).toBe(e.demoUser.memory_key);
    expect((await browse(authorizeUrl(e, challenge, { client_id: 'client_nope' }))).status).toBe(400);
  });
});
