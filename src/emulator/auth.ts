/**
 * Who may call what: issuing the developer JWT (POST /auth/token, CONTRACT.md §3.1), checking the
 * Bearer token on every other route, and the access rule for a user's blobs and tags: the
 * developer must hold an approved access request for that user (CONTRACT.md §10 #23).
 */
import { randomBytes } from 'node:crypto';
import { AuthTokenRequestSchema, type AuthTokenResponse } from '../memoram/schemas.js';
import { type EmulatorContext, MAX_JWT_LIFETIME_SECONDS } from './context.js';
import {
  badRequest,
  type EmulatorRequest,
  forbidden,
  HttpError,
  type JsonResponse,
  json,
  parseJsonBody,
} from './http.js';
import { type JwtCheck, signJwt, verifyJwt } from './jwt.js';
import type { Developer } from './state.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const REJECTIONS: Record<Extract<JwtCheck, { ok: false }>['reason'], string> = {
  malformed: 'The bearer token is not a valid JWT.',
  bad_signature: 'The bearer token has an invalid signature.',
  expired: 'The bearer token has expired. Get a new one from POST /auth/token.',
};

function invalidToken(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, { 'www-authenticate': 'Bearer error="invalid_token"' });
}

export function issueToken(ctx: EmulatorContext, request: EmulatorRequest): JsonResponse {
  const body = parseJsonBody(request, AuthTokenRequestSchema);
  const developer = ctx.state.developerByApiKey(body.api_key);
  if (!developer) throw new HttpError(401, 'unauthorized', 'The API key is not valid.');
  const { settings } = ctx;
  const lifetime =
    settings.forcedJwtLifetimeSeconds ??
    Math.min(body.expires_in ?? settings.jwtLifetimeSeconds, MAX_JWT_LIFETIME_SECONDS);
  const nowMs = ctx.clock.now().getTime();
  const exp = Math.ceil((nowMs + lifetime * 1000) / 1000);
  const claims = {
    sub: developer.id,
    iat: Math.floor(nowMs / 1000),
    exp,
    jti: randomBytes(8).toString('hex'),
  };
  const response: AuthTokenResponse = {
    token: signJwt(claims, ctx.state.jwtSecret),
    expires_at: new Date(exp * 1000).toISOString().replace('.000Z', 'Z'),
    token_type: 'Bearer',
  };
  return json(200, response);
}

/** The developer application behind the request's Bearer JWT; 401 for anything else. */
export function authenticate(ctx: EmulatorContext, request: EmulatorRequest): Developer {
  const header = request.headers.authorization;
  if (!header) {
    throw new HttpError(401, 'unauthorized', 'Missing Authorization header. Send "Bearer <token>".', {
      'www-authenticate': 'Bearer',
    });
  }
  const token = /^Bearer +(\S+)$/i.exec(header)?.[1];
  if (!token) throw invalidToken('The Authorization header must be "Bearer <token>".');
  const check = verifyJwt(token, ctx.state.jwtSecret, ctx.clock.now().getTime());
  if (!check.ok) throw invalidToken(REJECTIONS[check.reason]);
  const developer = ctx.state.developerById(check.claims.sub);
  if (!developer) throw invalidToken('The bearer token belongs to an unknown developer application.');
  return developer;
}

/** Wraps a handler that needs the calling developer. */
export function withDeveloper(
  ctx: EmulatorContext,
  handler: (developer: Developer, request: EmulatorRequest) => JsonResponse,
): (request: EmulatorRequest) => JsonResponse {
  return (request) => handler(authenticate(ctx, request), request);
}

/** 400 for a malformed user id, 403 unless the developer holds an approved request for the user. */
export function requireAccess(ctx: EmulatorContext, developer: Developer, userId: string): void {
  if (!UUID.test(userId)) throw badRequest('user_id must be a UUID.');
  if (!ctx.state.hasApprovedAccess(developer.id, userId)) {
    throw forbidden('This application has no approved access request for this user.');
  }
}

/** The required `user_id` query parameter. */
export function userIdParam(request: EmulatorRequest): string {
  const userId = request.query.get('user_id');
  if (!userId) throw badRequest('The user_id query parameter is required.');
  return userId;
}
