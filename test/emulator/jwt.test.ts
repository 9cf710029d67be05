import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signJwt, verifyJwt } from '../../src/emulator/jwt.js';

const secret = randomBytes(32);
const claims = { sub: 'dev_1', iat: 1_700_000_000, exp: 1_700_003_600, jti: 'abc' };
const during = 1_700_000_001_000;

describe('jwt', () => {
  it('signs a compact HS256 token that verifies until exp', () => {
    const token = signJwt(claims, secret);
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(verifyJwt(token, secret, during)).toEqual({ ok: true, claims });
    expect(verifyJwt(token, secret, claims.exp * 1000 - 1).ok).toBe(true);
    expect(verifyJwt(token, secret, claims.exp * 1000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses another secret and a tampered payload', () => {
    const token = signJwt(claims, secret);
    expect(verifyJwt(token, randomBytes(32), during)).toEqual({ ok: false, reason: 'bad_signature' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'dev_2' })).toString('base64url');
    expect(verifyJwt(`${header}.${forged}.${signature}`, secret, during)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('treats other shapes and algorithms as malformed', () => {
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    for (const token of ['', 'abc', 'a.b', 'a.b.c.d', `${none}.${payload}.x`, `${none}.${payload}.`]) {
      expect(verifyJwt(token, secret, during)).toEqual({ ok: false, reason: 'malformed' });
    }
  });
});
