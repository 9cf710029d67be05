// Attacks on the browser sign-in, against the emulator over HTTP: a callback with a wrong or no
// state, a declined consent, a stolen or replayed code, an injected code (another PKCE challenge,
// another redirect URI), an expired code, a user who never comes back, and the loopback listener's
// own hygiene. Each ends in a clear state with no credentials, and the harness checks that no key,
// token, code or verifier was logged or returned.
import { request as httpRequest } from 'node:http';
import os from 'node:os';
import { expect, it } from 'vitest';
import { CALLBACK_PATH } from '../../src/auth/loopback.js';
import { authorizeUrl, exchange, pkce, REDIRECT_URI } from '../emulator/oauth-helpers.js';
import { harness, stateBecomes } from './harness.js';
import { answerConsent, endsIn, expectNothingKept, land, oauthFlow, startSignIn } from './sign-in.js';

it.each([
  ['a wrong state', (back: URL) => back.searchParams.set('state', 'not-the-state')],
  ['no state', (back: URL) => back.searchParams.delete('state')],
])('refuses a callback with %s, and never exchanges its code', async (_name, tamper) => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url } = await startSignIn(h, flow);
  const back = await answerConsent(h, url);
  tamper(back);
  const landed = await land(back);
  expect(landed.status).toBe(400);
  expect(landed.text).toContain('Sign-in failed');
  const ended = await endsIn(h, flow, 'error');
  expect(ended.message).toMatch(/did not match this attempt/);
  expect(await h.requests('POST /oauth/token')).toEqual([]);
  await expectNothingKept(h, flow);
});

it('answers a declined consent with rejected, and the next call starts a new sign-in', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url } = await startSignIn(h, flow);
  const landed = await land(await answerConsent(h, url, 'deny'));
  expect(landed.text).toContain('Access was not granted');
  const ended = await endsIn(h, flow, 'rejected');
  expect(ended).toEqual({
    state: 'rejected',
    message: expect.stringMatching(/declined access on the Memoram consent page/),
  });
  await expectNothingKept(h, flow);

  const { url: next } = await startSignIn(h, flow);
  expect(next.searchParams.get('state')).not.toBe(url.searchParams.get('state'));
});

it('fails cleanly when a stolen code was exchanged first (wrong verifier), and the replay is refused', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url, redirectUri } = await startSignIn(h, flow);
  const back = await answerConsent(h, url);
  const code = back.searchParams.get('code')!;
  // An attacker without the verifier: refused, and the code is spent.
  const stolen = await exchange(h.emu, code, pkce().verifier, { redirect_uri: redirectUri });
  expect(stolen.body.error).toBe('invalid_grant');
  expect((await land(back)).status).toBe(200);
  const ended = await endsIn(h, flow, 'error');
  expect(ended.message).toMatch(/Memoram refused the sign-in \(invalid_grant\)/);
  await expectNothingKept(h, flow);
  // The listener took its one callback: a second delivery finds nobody.
  await expect(land(back)).rejects.toThrow();
});

it('fails cleanly when a code is replayed after the flow used it', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url, redirectUri } = await startSignIn(h, flow);
  const back = await answerConsent(h, url);
  await land(back);
  await stateBecomes(flow, 'awaiting_approval');
  const replay = await exchange(h.emu, back.searchParams.get('code')!, pkce().verifier, {
    redirect_uri: redirectUri,
  });
  expect(replay.body.error).toBe('invalid_grant');
  expect(replay.body.error_description).toMatch(/already used/);
});

it.each([
  ['issued for another PKCE challenge', (_redirectUri: string) => ({})],
  ['issued for another redirect URI', (_redirectUri: string) => ({ redirect_uri: REDIRECT_URI })],
])('refuses an injected code %s', async (_name, override) => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url, redirectUri } = await startSignIn(h, flow);
  // The attacker's own authorization, for the same app, then delivered to this listener.
  const { challenge } = pkce();
  const theirs = await answerConsent(
    h,
    new URL(authorizeUrl(h.emu, challenge, { redirect_uri: redirectUri, ...override(redirectUri) })),
  );
  const injected = new URL(redirectUri);
  injected.searchParams.set('code', theirs.searchParams.get('code')!);
  injected.searchParams.set('state', url.searchParams.get('state')!);
  await land(injected);
  const ended = await endsIn(h, flow, 'error');
  expect(ended.message).toMatch(/refused the sign-in \(invalid_grant\)/);
  await expectNothingKept(h, flow);
});

it('fails cleanly when the code expired before it came back', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url } = await startSignIn(h, flow);
  const back = await answerConsent(h, url);
  await h.control('clock', { advanceSeconds: 11 * 60 });
  await land(back);
  const ended = await endsIn(h, flow, 'error');
  expect(ended.message).toMatch(/invalid_grant/);
  await expectNothingKept(h, flow);
});

it('gives up when the user never comes back, closing the listener', async () => {
  const h = await harness();
  const flow = oauthFlow(h, 100);
  const { redirectUri } = await startSignIn(h, flow);
  const ended = await endsIn(h, flow, 'error');
  expect(ended.message).toMatch(/not completed within 10 minutes/);
  await expect(land(redirectUri)).rejects.toThrow();
  await expectNothingKept(h, flow);
});

it('the listener: 404 elsewhere, only on 127.0.0.1, and it never echoes the request', async () => {
  const h = await harness();
  const flow = oauthFlow(h);
  const { url, redirectUri } = await startSignIn(h, flow);
  const listener = new URL(redirectUri);
  for (const other of ['/', '/favicon.ico', `${CALLBACK_PATH}/x`]) {
    expect((await land(new URL(other, listener))).status, other).toBe(404);
  }
  for (const host of otherAddresses()) {
    await expect(connects(host, Number(listener.port)), host).resolves.toBe(false);
  }
  // Still waiting after all that: the real callback works.
  expect(flow.current().state).toBe('awaiting_user_consent');
  const script = '<script>alert(1)</script>';
  const hostile = new URL(redirectUri);
  hostile.searchParams.set('state', script);
  hostile.searchParams.set('code', script);
  const landed = await land(hostile);
  expect(landed.text).not.toContain('<script>');
  expect(landed.text).not.toContain('alert');
  await endsIn(h, flow, 'error');
  expect(url.searchParams.get('state')).not.toBe(script);
});

/** Addresses of this machine other than 127.0.0.1, where the listener must not be reachable. */
function otherAddresses(): string[] {
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && address.address !== '127.0.0.1')
    .map((address) => address!.address);
  return ['::1', ...addresses.filter((address) => address !== '::1')];
}

/** Whether an HTTP request to host:port gets any answer. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const request = httpRequest({ host, port, path: CALLBACK_PATH, timeout: 2000 }, (response) => {
      response.resume();
      resolve(true);
    });
    request.on('error', () => resolve(false));
    request.on('timeout', () => {
      request.destroy();
      resolve(false);
    });
    request.end();
  });
}
