import { describe, expect, it } from 'vitest';
import { control, start } from './helpers.js';
import {
  allow,
  authorizationCode,
  authorizeUrl,
  exchange,
  expectOAuthError,
  pkce,
  REDIRECT_URI,
  token,
} from './oauth-helpers.js';

describe('POST /oauth/token', () => {
  it('trades a code and its PKCE verifier for tokens and the memory_key, then refreshes them', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    const reply = await exchange(e, code, verifier);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      access_token: expect.stringMatching(/^mat_[\w-]{43}$/),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: expect.stringMatching(/^mrt_[\w-]{43}$/),
      scope: 'memories:read memories:write',
      memory_key: e.demoUser.memory_key,
      user_id: e.demoUser.user_id,
    });

    const refreshed = await token(e, {
      grant_type: 'refresh_token',
      refresh_token: reply.body.refresh_token,
      client_id: e.clientId,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({
      memory_key: e.demoUser.memory_key,
      scope: 'memories:read memories:write',
    });
    expect(refreshed.body.access_token).not.toBe(reply.body.access_token);
    expect(refreshed.body.refresh_token).not.toBe(reply.body.refresh_token);
  });

  it('rotates refresh tokens: reusing a spent one revokes the grant', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    const first = (await exchange(e, code, verifier)).body.refresh_token;
    const refresh = (refresh_token: string, extra: Record<string, string> = {}) =>
      token(e, { grant_type: 'refresh_token', refresh_token, client_id: e.clientId, ...extra });
    expectOAuthError(await refresh(first, { scope: 'memories:read admin' }), 400, 'invalid_scope');
    const narrowed = await refresh(first, { scope: 'memories:read' });
    expect(narrowed.body.scope).toBe('memories:read');
    const second = narrowed.body.refresh_token;
    expectOAuthError(await refresh(first), 400, 'invalid_grant');
    expectOAuthError(await refresh(second), 400, 'invalid_grant');
    expectOAuthError(await refresh('mrt_unknown'), 400, 'invalid_grant');
    expectOAuthError(
      await token(e, { grant_type: 'refresh_token', client_id: e.clientId }),
      400,
      'invalid_request',
    );
  });

  it('refuses a replayed code and revokes the tokens issued for it', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    const issued = await exchange(e, code, verifier);
    expect(issued.status).toBe(200);
    const replay = await exchange(e, code, verifier);
    expectOAuthError(replay, 400, 'invalid_grant');
    expect(replay.body.error_description).toMatch(/already used/);
    const refresh = {
      grant_type: 'refresh_token',
      refresh_token: issued.body.refresh_token,
      client_id: e.clientId,
    };
    expectOAuthError(await token(e, refresh), 400, 'invalid_grant');
  });

  it('refuses a wrong verifier, and the code is spent by the attempt', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    const wrong = await exchange(e, code, pkce().verifier);
    expectOAuthError(wrong, 400, 'invalid_grant');
    expect(wrong.body.error_description).toMatch(/code_verifier/);
    expectOAuthError(await exchange(e, code, verifier), 400, 'invalid_grant');
    const other = await authorizationCode(e);
    expectOAuthError(await exchange(e, other.code, 'too-short'), 400, 'invalid_request');
  });

  it('refuses a redirect_uri or a client that differs from the authorization request', async () => {
    const e = await start();
    const first = await authorizationCode(e);
    const moved = await exchange(e, first.code, first.verifier, {
      redirect_uri: 'http://127.0.0.1:45678/other',
    });
    expectOAuthError(moved, 400, 'invalid_grant');
    expect(moved.body.error_description).toMatch(/redirect_uri/);

    const app = (await control(e, 'POST', '/developers')).body;
    const second = await authorizationCode(e);
    const stolen = await exchange(e, second.code, second.verifier, { client_id: app.client_id });
    expectOAuthError(stolen, 400, 'invalid_grant');
    expect(stolen.body.error_description).toMatch(/another client/);
    const unknown = await exchange(e, second.code, second.verifier, { client_id: 'client_nope' });
    expectOAuthError(unknown, 401, 'invalid_client');
    expect(unknown.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses an expired code (10 minutes on the emulator clock)', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    await control(e, 'POST', '/clock', { advanceSeconds: 601 });
    const reply = await exchange(e, code, verifier);
    expectOAuthError(reply, 400, 'invalid_grant');
    expect(reply.body.error_description).toMatch(/expired/);
  });

  it('names missing fields and unsupported grants, in form and JSON bodies alike', async () => {
    const e = await start();
    const { code, verifier } = await authorizationCode(e);
    const base = {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: e.clientId,
    };
    for (const missing of ['grant_type', 'code', 'redirect_uri', 'client_id'] as const) {
      const { [missing]: _left, ...fields } = base;
      const reply = await token(e, { ...fields, code_verifier: verifier });
      expectOAuthError(reply, 400, 'invalid_request');
      expect(reply.body.error_description).toContain(missing);
    }
    expectOAuthError(await token(e, base), 400, 'invalid_request');
    expectOAuthError(await token(e, { ...base, grant_type: 'password' }), 400, 'unsupported_grant_type');
    const plain = await token(e, base, { headers: { 'content-type': 'text/plain' } });
    expectOAuthError(plain, 400, 'invalid_request');
    const json = await authorizationCode(e);
    const viaJson = await token(
      e,
      { ...base, code: json.code, code_verifier: json.verifier },
      { json: true },
    );
    expect(viaJson.status).toBe(200);
    expect(viaJson.body.memory_key).toBe(e.demoUser.memory_key);
  });

  it('requires a confidential client’s secret, in the body or as Basic, and never echoes it', async () => {
    const e = await start();
    const app = (await control(e, 'POST', '/developers', { name: 'Server app', confidential: true })).body;
    expect(app.client_secret).toMatch(/^mcs_/);
    const codeFor = async () => {
      const { verifier, challenge } = pkce();
      const back = await allow(e, authorizeUrl(e, challenge, { client_id: app.client_id }));
      return { code: back.searchParams.get('code')!, verifier };
    };
    const grant = async (extra: Record<string, string>, headers: Record<string, string> = {}) => {
      const { code, verifier } = await codeFor();
      const fields = {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
      };
      return token(e, { ...fields, ...extra }, { headers });
    };
    expectOAuthError(await grant({ client_id: app.client_id }), 401, 'invalid_client');
    const wrong = await grant({ client_id: app.client_id, client_secret: 'mcs_guess' });
    expectOAuthError(wrong, 401, 'invalid_client');
    expect(wrong.text).not.toContain('mcs_guess');
    const inBody = await grant({ client_id: app.client_id, client_secret: app.client_secret });
    expect(inBody.status).toBe(200);
    expect(inBody.text).not.toContain(app.client_secret);
    const basic = `Basic ${Buffer.from(`${app.client_id}:${app.client_secret}`).toString('base64')}`;
    expect((await grant({}, { authorization: basic })).status).toBe(200);
    const mixed = await grant({ client_id: e.clientId }, { authorization: basic });
    expectOAuthError(mixed, 400, 'invalid_request');
  });

  it('lets a confidential client skip PKCE, but then refuses a verifier (no downgrade)', async () => {
    const e = await start();
    const app = (await control(e, 'POST', '/developers', { confidential: true })).body;
    const url = authorizeUrl(e, 'unused', {
      client_id: app.client_id,
      code_challenge: null,
      code_challenge_method: null,
    });
    const fields = { grant_type: 'authorization_code', redirect_uri: REDIRECT_URI, client_id: app.client_id };
    const auth = { ...fields, client_secret: app.client_secret };
    const first = (await allow(e, url)).searchParams.get('code')!;
    expect((await token(e, { ...auth, code: first })).status).toBe(200);
    const second = (await allow(e, url)).searchParams.get('code')!;
    expectOAuthError(
      await token(e, { ...auth, code: second, code_verifier: pkce().verifier }),
      400,
      'invalid_grant',
    );
  });
});
