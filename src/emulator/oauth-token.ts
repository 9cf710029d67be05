/**
 * The token endpoint, POST /oauth/token (CONTRACT.md §3.3 [ASSUMED], RFC 6749 §4.1.3 and §6, PKCE
 * RFC 7636 §4.6): trades an authorization code, or a refresh token (rotated on every use), for an
 * access token, a refresh token and the user's `memory_key`. Accepts form and JSON bodies and
 * client credentials in the body or as HTTP Basic. Errors use RFC 6749 §5.2's shape
 * `{"error", "error_description"}`, never the API's, and never repeat a secret back.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { OAuthTokenResponse } from '../memoram/schemas.js';
import type { EmulatorContext } from './context.js';
import { type EmulatorRequest, type Handler, type JsonResponse, MAX_FORM_BYTES } from './http.js';
import { ACCESS_TOKEN_LIFETIME_SECONDS, type TokenGrant } from './oauth-store.js';
import type { Router } from './router.js';
import type { Developer } from './state.js';
import { sha256Hex } from './state-types.js';

/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const TokenRequestSchema = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  code: z.string().optional(),
  redirect_uri: z.string().optional(),
  code_verifier: z.string().optional(),
  refresh_token: z.string().optional(),
  scope: z.string().optional(),
});
type TokenRequest = z.infer<typeof TokenRequestSchema>;

class OAuthError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }

  toResponse(): JsonResponse {
    // RFC 6749 §5.2: a failed client authentication is a 401 with a challenge.
    const headers: Record<string, string> =
      this.status === 401 ? { 'www-authenticate': 'Basic realm="memoram-emulator"' } : {};
    return { status: this.status, body: { error: this.code, error_description: this.message }, headers };
  }
}

const invalidRequest = (message: string) => new OAuthError('invalid_request', message);
const invalidGrant = (message: string) => new OAuthError('invalid_grant', message);
const invalidClient = (message: string) => new OAuthError('invalid_client', message, 401);

const CODE_FAILURES = {
  unknown: 'The authorization code is not valid.',
  expired: 'The authorization code has expired. Start the authorization again.',
  replayed: 'The authorization code was already used; the tokens issued for it are revoked.',
} as const;

function fieldsOf(request: EmulatorRequest): unknown {
  const type = request.headers['content-type'] ?? '';
  if (request.body === null) return {};
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    if (Buffer.byteLength(request.body) > MAX_FORM_BYTES)
      throw invalidRequest('The request body is too large.');
    const form = new URLSearchParams(request.body);
    const repeated = [...new Set(form.keys())].find((name) => form.getAll(name).length > 1);
    if (repeated) throw invalidRequest(`The ${repeated} parameter is repeated.`);
    return Object.fromEntries(form);
  }
  if (!/^application\/json\b/i.test(type)) {
    throw invalidRequest('Send the request as application/x-www-form-urlencoded (or JSON).');
  }
  try {
    return JSON.parse(request.body);
  } catch {
    throw invalidRequest('The request body is not valid JSON.');
  }
}

function readTokenRequest(request: EmulatorRequest): TokenRequest {
  const parsed = TokenRequestSchema.safeParse(fieldsOf(request));
  if (!parsed.success) throw invalidRequest('The request body must be an object of string fields.');
  return parsed.data;
}

/** Client id and secret from HTTP Basic (RFC 6749 §2.3.1: each form-encoded), if sent that way. */
function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic +(\S+)$/i.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  try {
    if (colon < 0) throw new Error('no colon');
    const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    throw invalidClient('The Basic credentials are malformed.');
  }
}

function authenticateClient(ctx: EmulatorContext, request: EmulatorRequest, body: TokenRequest): Developer {
  const basic = basicCredentials(request.headers.authorization);
  if (basic && body.client_id !== undefined && body.client_id !== basic.id) {
    throw invalidRequest('client_id differs from the client in the Authorization header.');
  }
  const clientId = basic?.id ?? body.client_id;
  if (!clientId) throw invalidRequest('client_id is required.');
  const developer = ctx.state.developerByClientId(clientId);
  if (!developer) throw invalidClient('Unknown client.');
  if (developer.client_secret_hash === null) return developer;
  const secret = basic?.secret ?? body.client_secret;
  if (secret === undefined) throw invalidClient('This client must authenticate with its client_secret.');
  const matches = timingSafeEqual(Buffer.from(sha256Hex(secret)), Buffer.from(developer.client_secret_hash));
  if (!matches) throw invalidClient('Client authentication failed.');
  return developer;
}

function tokenResponse(ctx: EmulatorContext, grant: TokenGrant): JsonResponse {
  const user = ctx.state.userById(grant.userId);
  if (!user) throw invalidGrant('The user of this grant no longer exists.');
  const tokens = ctx.oauth.issueTokens(grant);
  const body: OAuthTokenResponse = {
    access_token: tokens.accessToken,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    refresh_token: tokens.refreshToken,
    scope: grant.scope,
    memory_key: user.memory_key,
    user_id: user.user_id,
  };
  return { status: 200, body, headers: { pragma: 'no-cache' } };
}

/** PKCE (RFC 7636 §4.6): the verifier must hash to the code's challenge, and only then be sent. */
function checkVerifier(challenge: string | null, verifier: string | undefined): void {
  if (challenge === null) {
    // A verifier for a code issued without a challenge would be a PKCE downgrade (RFC 9700 §2.1.1).
    if (verifier !== undefined) throw invalidGrant('The code was issued without a code_challenge.');
    return;
  }
  if (verifier === undefined) throw invalidRequest('code_verifier is required for this code.');
  const computed = createHash('sha256').update(verifier).digest('base64url');
  if (computed !== challenge) throw invalidGrant('code_verifier does not match the code_challenge.');
}

function authorizationCodeGrant(ctx: EmulatorContext, developer: Developer, body: TokenRequest) {
  const { code, redirect_uri: redirectUri, code_verifier: verifier } = body;
  if (!code) throw invalidRequest('code is required.');
  if (!redirectUri) throw invalidRequest('redirect_uri is required.');
  if (verifier !== undefined && !VERIFIER.test(verifier)) {
    throw invalidRequest('code_verifier must be 43 to 128 characters from A-Z a-z 0-9 - . _ ~.');
  }
  // Spent before any further check: a code is single use, even when the attempt fails (RFC 6749 §10.5).
  const redemption = ctx.oauth.redeemCode(code);
  if (redemption.status !== 'ok') throw invalidGrant(CODE_FAILURES[redemption.status]);
  const { grantId, request } = redemption;
  if (request.developerId !== developer.id) throw invalidGrant('The code was issued to another client.');
  if (request.redirectUri !== redirectUri)
    throw invalidGrant('redirect_uri differs from the one authorized.');
  checkVerifier(request.codeChallenge, verifier);
  const { userId, scope } = request;
  return tokenResponse(ctx, { grantId, developerId: developer.id, userId, scope });
}

/** The scope asked for on refresh, which may only narrow the granted one (RFC 6749 §6). */
function narrowScope(granted: string, asked: string | undefined): string {
  if (asked === undefined) return granted;
  const have = new Set(granted.split(' ').filter(Boolean));
  const want = asked.split(' ').filter(Boolean);
  if (want.some((scope) => !have.has(scope))) {
    throw new OAuthError('invalid_scope', 'The scope asked for goes beyond the one granted.');
  }
  return want.join(' ');
}

function refreshTokenGrant(ctx: EmulatorContext, developer: Developer, body: TokenRequest) {
  const refreshToken = body.refresh_token;
  if (!refreshToken) throw invalidRequest('refresh_token is required.');
  let scope = '';
  const outcome = ctx.oauth.useRefreshToken(refreshToken, developer.id, (grant) => {
    scope = narrowScope(grant.scope, body.scope);
  });
  if (outcome.status === 'reused') {
    throw invalidGrant('The refresh token was already used; every token of this grant is revoked.');
  }
  if (outcome.status !== 'ok') throw invalidGrant('The refresh token is not valid, expired or revoked.');
  return tokenResponse(ctx, { ...outcome.grant, scope });
}

function exchange(ctx: EmulatorContext, request: EmulatorRequest): JsonResponse {
  const body = readTokenRequest(request);
  if (!body.grant_type) throw invalidRequest('grant_type is required.');
  if (body.grant_type !== 'authorization_code' && body.grant_type !== 'refresh_token') {
    throw new OAuthError('unsupported_grant_type', 'Use authorization_code or refresh_token.');
  }
  const developer = authenticateClient(ctx, request, body);
  return body.grant_type === 'authorization_code'
    ? authorizationCodeGrant(ctx, developer, body)
    : refreshTokenGrant(ctx, developer, body);
}

export function addTokenRoute(router: Router<Handler>, ctx: EmulatorContext): void {
  router.add('POST', '/oauth/token', (request) => {
    try {
      return exchange(ctx, request);
    } catch (error) {
      if (error instanceof OAuthError) return error.toResponse();
      throw error;
    }
  });
}
