// The browser sign-in of the authorization flow against the emulator over HTTP: OAuth with PKCE on
// a loopback redirect, driven like a browser would (the consent page's form, the 302 back to the
// listener), then the access request and its approval; restarts, a memory key given meanwhile,
// close(), and configuration problems. The attacks are in oauth-attacks.test.ts. The harness checks
// that no key, token, code or verifier was logged or returned.
import fs from 'node:fs/promises';
import { expect, it } from 'vitest';
import { CALLBACK_PATH } from '../../src/auth/loopback.js';
import { browse } from '../emulator/oauth-helpers.js';
import { harness, stateBecomes } from './harness.js';
import { answerConsent, expectNothingKept, land, oauthFlow, startSignIn } from './sign-in.js';

it('signs in through the consent page, files the access request, and connects on approval', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const progress: string[] = [];
  const shown: string[] = [];
  const changes: string[] = [];
  const first = await flow.authorize(
    { reason: 'Remember your projects' },
    {
      onProgress: (message) => progress.push(message),
      onAuthorizationUrl: (url) => shown.push(url),
      onStateChange: (state) => changes.push(state.state),
    },
  );
  h.seen(first);
  if (first.state !== 'awaiting_user_consent') throw new Error(`unexpected ${first.state}`);
  expect(first.message).toMatch(/open authorization_url in their browser.*call authorize again/);
  expect(shown).toEqual([first.authorization_url]);
  expect(changes).toEqual(['awaiting_user_consent']);
  expect(progress[0]).toMatch(/Waiting for the user to sign in to Memoram/);

  const url = new URL(first.authorization_url);
  expect(`${url.origin}${url.pathname}`).toBe(h.emu.authorizeUrl);
  const params = Object.fromEntries(url.searchParams);
  expect(params).toMatchObject({
    response_type: 'code',
    client_id: h.emu.clientId,
    code_challenge_method: 'S256',
  });
  expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
  expect(params.state).toMatch(/^[\w-]{32}$/);
  expect(params.redirect_uri).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${CALLBACK_PATH}$`));

  // A second call while the user is still on the page shows the same sign-in, not a new one.
  const again = await flow.authorize({}, { onAuthorizationUrl: (found) => shown.push(found) });
  expect(again).toEqual(first);
  expect(shown).toEqual([first.authorization_url, first.authorization_url]);

  const back = await answerConsent(h, url);
  expect(`${back.origin}${back.pathname}`).toBe(params.redirect_uri);
  const landed = await land(back);
  expect(landed.status).toBe(200);
  expect(landed.text).toContain('Signed in to Memoram');
  const pending = await stateBecomes(flow, 'awaiting_approval');
  if (pending.state !== 'awaiting_approval') throw new Error('unreachable');

  const [exchanged] = await h.requests('POST /oauth/token');
  expect(exchanged!.headers['content-type']).toBe('application/x-www-form-urlencoded');
  const form = Object.fromEntries(new URLSearchParams(exchanged!.body!));
  expect(Object.keys(form).sort()).toEqual([
    'client_id',
    'code',
    'code_verifier',
    'grant_type',
    'redirect_uri',
  ]);
  expect(form).toMatchObject({ grant_type: 'authorization_code', client_id: h.emu.clientId });
  expect(form.redirect_uri).toBe(params.redirect_uri);
  const filed = await h.requests('POST /access-requests');
  expect(filed).toHaveLength(1);
  expect(JSON.parse(filed[0]!.body!)).toEqual({
    memoryKey: h.emu.demoUser.memory_key,
    reason: 'Remember your projects',
  });
  expect(h.store.load().oauth).toMatchObject({
    access_token: expect.any(String),
    refresh_token: expect.any(String),
  });

  await h.control(`access-requests/${pending.access_request_id}/approve`);
  const authorized = await stateBecomes(flow, 'authorized');
  h.seen(authorized);
  expect(authorized).toMatchObject({ user_id: h.emu.demoUser.user_id, key_version: 1 });
  expect(h.store.load()).toMatchObject({ credentials: { user_id: h.emu.demoUser.user_id }, oauth: {} });
  expect(h.store.load().pending).toBeUndefined();
  expect((await fs.stat(h.store.path)).mode & 0o777).toBe(0o600);
  expect((await fs.stat(h.configDir)).mode & 0o777).toBe(0o700);
  // The listener is gone once its one callback came back.
  await expect(fetch(back)).rejects.toThrow();
});

it('needs no clicks when the emulator approves consent and access by itself', async () => {
  const h = await harness({}, { autoApprove: true });
  const flow = oauthFlow(h);
  const { url } = await startSignIn(h, flow);
  const redirect = await browse(url.toString());
  expect(redirect.status).toBe(302);
  expect((await land(redirect.location!)).status).toBe(200);
  expect(await stateBecomes(flow, 'authorized')).toMatchObject({ user_id: h.emu.demoUser.user_id });
  expect(await flow.authorize({})).toMatchObject({ state: 'authorized' });
});

it('resumes the access request after a restart during approval', async () => {
  const h = await harness();
  const first = oauthFlow(h);
  const { url } = await startSignIn(h, first);
  await land(await answerConsent(h, url));
  const pending = await stateBecomes(first, 'awaiting_approval');
  await first.close();
  if (pending.state !== 'awaiting_approval') throw new Error('unreachable');

  const second = oauthFlow(h);
  expect(second.current()).toMatchObject({
    state: 'awaiting_approval',
    access_request_id: pending.access_request_id,
  });
  h.seen(await second.authorize({}));
  await h.control(`access-requests/${pending.access_request_id}/approve`);
  expect(await stateBecomes(second, 'authorized')).toMatchObject({ user_id: h.emu.demoUser.user_id });
  expect(await h.requests('POST /access-requests')).toHaveLength(1);
  expect(await h.requests('POST /oauth/token')).toHaveLength(1);
});

it('a memory key given while the sign-in waits replaces it, closing the listener', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { redirectUri } = await startSignIn(h, flow);
  const pending = await flow.authorize({ memory_key: h.emu.demoUser.memory_key });
  expect(pending.state).toBe('awaiting_approval');
  await expect(land(redirectUri)).rejects.toThrow();
  // The cancelled sign-in reports nothing: the state stays with the access request.
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(flow.current().state).toBe('awaiting_approval');
});

it('close() closes the listener of a sign-in in progress', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { redirectUri } = await startSignIn(h, flow);
  await flow.close();
  await expect(land(redirectUri)).rejects.toThrow();
  expect(flow.current().state).toBe('awaiting_user_consent');
  await expectNothingKept(h, flow);
});

it('without a client id, says how to get a memory key or configure the browser sign-in', async () => {
  const h = await harness();
  const state = await h.flow().authorize({});
  h.seen(state);
  expect(state.state).toBe('error');
  expect(state.message).toContain('MEMORAM_MEMORY_KEY');
  expect(state.message).toContain('MEMORAM_CLIENT_ID');
});

it('says what went wrong when the redirect port is taken', async () => {
  const h = await harness();
  const first = oauthFlow(h);
  const { redirectUri } = await startSignIn(h, first);
  const port = Number(new URL(redirectUri).port);
  const flow = h.flow({ oauth: h.oauth({ redirectPort: port }) });
  const state = await flow.authorize({});
  h.seen(state);
  expect(state).toEqual({
    state: 'error',
    message: expect.stringMatching(/port \d+.*MEMORAM_REDIRECT_PORT/),
  });
});
