/**
 * Helpers for the OAuth and dashboard tests: PKCE pairs, authorization URLs, requests that do not
 * follow redirects, reading the one-time tokens out of the pages, and the token endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/index.js';
import type { Json } from './helpers.js';

/** A loopback redirect URI nothing listens on: the tests read the redirect instead of following it. */
export const REDIRECT_URI = 'http://127.0.0.1:45678/callback';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function pkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorize URL with valid defaults; a `null` override leaves that parameter out. */
export function authorizeUrl(
  e: RunningEmulator,
  challenge: string,
  overrides: Record<string, string | null> = {},
): string {
  const params: Record<string, string | null> = {
    response_type: 'code',
    client_id: e.clientId,
    redirect_uri: REDIRECT_URI,
    state: 'state-123',
    scope: 'memories:read memories:write',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  };
  const url = new URL(e.authorizeUrl);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
}

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  /** The redirect target, parsed, or null when the response is not a redirect. */
  location: URL | null;
}

/** A request that does not follow redirects; a `form` body is sent url-encoded. */
export async function browse(url: string, init: { form?: Record<string, string> } = {}): Promise<Page> {
  const response = await fetch(url, {
    redirect: 'manual',
    ...(init.form
      ? {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(init.form).toString(),
        }
      : {}),
  });
  const location = response.headers.get('location');
  return {
    status: response.status,
    headers: response.headers,
    text: await response.text(),
    location: location === null ? null : new URL(location, url),
  };
}

/** The value of the hidden input `name` in a page. */
export function hiddenField(page: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1];
  if (value === undefined) throw new Error(`no hidden field ${name} in the page`);
  return value;
}

export function decide(e: RunningEmulator, consent: string, decision: 'allow' | 'deny'): Promise<Page> {
  return browse(`${e.apiUrl}/oauth/authorize/decision`, { form: { consent, decision } });
}

/** Opens the consent page for `url`, clicks Allow, and returns the redirect. */
export async function allow(e: RunningEmulator, url: string): Promise<URL> {
  const consent = await browse(url);
  expect(consent.status).toBe(200);
  const answer = await decide(e, hiddenField(consent.text, 'consent'), 'allow');
  expect(answer.status).toBe(302);
  return answer.location!;
}

/** A fresh authorization code for the emulator's own client, with its verifier. */
export async function authorizationCode(e: RunningEmulator): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = pkce();
  const back = await allow(e, authorizeUrl(e, challenge));
  return { code: back.searchParams.get('code')!, verifier };
}

export interface TokenReply {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

/** POST /oauth/token, form-encoded unless `json`. */
export async function token(
  e: RunningEmulator,
  fields: Record<string, string>,
  options: { json?: boolean; headers?: Record<string, string> } = {},
): Promise<TokenReply> {
  const response = await fetch(e.tokenUrl, {
    method: 'POST',
    headers: {
      'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
      ...options.headers,
    },
    body: options.json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text), text };
}

/** The code grant for the emulator's own client, with valid defaults. */
export function exchange(
  e: RunningEmulator,
  code: string,
  verifier: string,
  overrides: Record<string, string> = {},
): Promise<TokenReply> {
  return token(e, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    client_id: e.clientId,
    code_verifier: verifier,
    ...overrides,
  });
}

/** Expects an RFC 6749 error body with exactly `error` and `error_description`. */
export function expectOAuthError(reply: TokenReply, status: number, error: string): void {
  expect({ status: reply.status, error: reply.body.error }).toEqual({ status, error });
  expect(Object.keys(reply.body).sort()).toEqual(['error', 'error_description']);
}
