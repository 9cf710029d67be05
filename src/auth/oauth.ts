/**
 * OAuth 2.0 authorization code with PKCE (RFC 7636, S256) for native apps (RFC 8252): the
 * authorization URL, and the code exchange and refresh at the token URL. The token response is
 * read tolerantly (CONTRACT.md §3.3 is [ASSUMED]): `memory_key`, else `memoryKey`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { type Dispatcher, request } from 'undici';
import { OAuthTokenResponseSchema } from '../memoram/schemas.js';
import { MemoramError } from '../memory/errors.js';

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function createState(): string {
  return randomBytes(24).toString('base64url');
}

export interface OAuthSettings {
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string | undefined;
  scope?: string | undefined;
  dispatcher?: Dispatcher | undefined;
  timeoutMs?: number;
}

export function authorizationUrl(
  settings: OAuthSettings,
  redirectUri: string,
  state: string,
  pkce: Pkce,
): string {
  const url = new URL(settings.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('state', state);
  if (settings.scope) url.searchParams.set('scope', settings.scope);
  url.searchParams.set('code_challenge', pkce.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export interface OAuthTokens {
  access_token: string;
  refresh_token?: string | undefined;
  expires_at?: string | undefined;
  memory_key?: string | undefined;
}

async function postToken(settings: OAuthSettings, fields: Record<string, string>): Promise<OAuthTokens> {
  const form = new URLSearchParams({ ...fields, client_id: settings.clientId });
  if (settings.clientSecret) form.set('client_secret', settings.clientSecret);
  let status: number;
  let text: string;
  try {
    const response = await request(settings.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      headersTimeout: settings.timeoutMs ?? 15_000,
      bodyTimeout: settings.timeoutMs ?? 15_000,
      ...(settings.dispatcher ? { dispatcher: settings.dispatcher } : {}),
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (cause) {
    throw new MemoramError('UPSTREAM_UNAVAILABLE', 'The Memoram sign-in server could not be reached.', {
      hint: 'Check the network and MEMORAM_OAUTH_TOKEN_URL, then call authorize again.',
      cause,
    });
  }
  return parseTokenResponse(status, text);
}

function parseTokenResponse(status: number, text: string): OAuthTokens {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status !== 200) {
    const code =
      typeof (json as { error?: unknown })?.error === 'string'
        ? (json as { error: string }).error
        : `HTTP ${status}`;
    throw new MemoramError('ACCESS_DENIED', `Memoram refused the sign-in (${code.slice(0, 40)}).`, {
      hint: 'Call authorize again to start over.',
    });
  }
  const parsed = OAuthTokenResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new MemoramError(
      'UPSTREAM_UNAVAILABLE',
      'Memoram answered the sign-in with an unexpected response.',
      {
        hint: 'Call authorize again; if it persists, check MEMORAM_OAUTH_TOKEN_URL.',
      },
    );
  }
  const body = parsed.data;
  const memoryKey = body.memory_key ?? body.memoryKey;
  return {
    access_token: body.access_token,
    ...(body.refresh_token ? { refresh_token: body.refresh_token } : {}),
    ...(body.expires_in ? { expires_at: new Date(Date.now() + body.expires_in * 1000).toISOString() } : {}),
    ...(memoryKey ? { memory_key: memoryKey } : {}),
  };
}

export function exchangeCode(settings: OAuthSettings, code: string, redirectUri: string, verifier: string) {
  return postToken(settings, {
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  });
}
