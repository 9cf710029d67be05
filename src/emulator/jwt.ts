/**
 * The developer JWT (CONTRACT.md §3.1): compact HS256 tokens signed and checked with node:crypto.
 * Only HS256 is accepted, so a token with `alg: none` or any other algorithm is malformed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface JwtClaims {
  /** The developer application (its aiConnectorId). */
  sub: string;
  iat: number;
  exp: number;
  jti: string;
}

export type JwtCheck =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(input).digest();
}

export function signJwt(claims: JwtClaims, secret: Buffer): string {
  const input = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${sign(input, secret).toString('base64url')}`;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isClaims(value: unknown): value is JwtClaims {
  const claims = value as Partial<JwtClaims> | undefined;
  return (
    typeof claims === 'object' &&
    claims !== null &&
    typeof claims.sub === 'string' &&
    typeof claims.iat === 'number' &&
    typeof claims.exp === 'number'
  );
}

/** Checks form, algorithm, signature (in constant time) and expiry against `nowMs`. */
export function verifyJwt(token: string, secret: Buffer, nowMs: number): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[\w-]+$/.test(part))) {
    return { ok: false, reason: 'malformed' };
  }
  const [header, payload, signature] = parts as [string, string, string];
  const alg = (decodeJson(header) as { alg?: unknown } | undefined)?.alg;
  const claims = decodeJson(payload);
  if (alg !== 'HS256' || !isClaims(claims)) return { ok: false, reason: 'malformed' };
  const expected = sign(`${header}.${payload}`, secret);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }
  if (nowMs >= claims.exp * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}
