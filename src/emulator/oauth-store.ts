/**
 * The OAuth side of the emulator's state: open consent screens (one-time tokens the consent form
 * posts back instead of the raw parameters), authorization codes (10 minutes on the emulator clock,
 * single use, bound to the request they answer) and the access/refresh tokens issued for them.
 * Only SHA-256 hashes of these secrets are stored. A replayed code or a reused (rotated) refresh
 * token revokes every token of its grant (RFC 6749 §4.1.2, RFC 9700 §4.14).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3-multiple-ciphers';
import type { Clock } from './clock.js';
import { sha256Hex } from './state-types.js';

export const CONSENT_LIFETIME_MS = 10 * 60_000;
export const CODE_LIFETIME_MS = 10 * 60_000;
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
const REFRESH_TOKEN_LIFETIME_MS = 30 * 86_400_000;
/** Used codes are kept this long after they expire, so a late replay is still recognised. */
const CODE_RETENTION_MS = 86_400_000;

/** A validated authorization request: what the user consents to and the code is bound to. */
export interface AuthorizationRequest {
  developerId: string;
  userId: string;
  redirectUri: string;
  state: string | null;
  scope: string;
  /** S256 challenge; null only for a confidential client that did not use PKCE. */
  codeChallenge: string | null;
}

/** What a token carries forward from its grant. */
export interface TokenGrant {
  grantId: string;
  developerId: string;
  userId: string;
  scope: string;
}

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
}

export type CodeRedemption =
  | { status: 'ok'; grantId: string; request: AuthorizationRequest }
  | { status: 'unknown' | 'expired' | 'replayed' };

export type RefreshOutcome = { status: 'ok'; grant: TokenGrant } | { status: 'invalid' | 'reused' };

interface TokenRow {
  kind: 'access' | 'refresh';
  grant_id: string;
  developer_id: string;
  user_id: string;
  scope: string;
  expires_at: number;
  revoked: string | null;
}

const secret = (prefix: string) => `${prefix}_${randomBytes(32).toString('base64url')}`;

export class OAuthStore {
  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  /** Remembers a request awaiting the user's decision; the token goes into the consent form. */
  openConsent(request: AuthorizationRequest): string {
    const token = secret('mcn');
    this.db.prepare('DELETE FROM emu_oauth_consents WHERE expires_at <= ?').run(this.now());
    this.db
      .prepare('INSERT INTO emu_oauth_consents (hash, request, expires_at) VALUES (?, ?, ?)')
      .run(sha256Hex(token), JSON.stringify(request), this.now() + CONSENT_LIFETIME_MS);
    return token;
  }

  /** The request behind a consent token, once: taking it deletes it. */
  takeConsent(token: string): AuthorizationRequest | undefined {
    const row = this.db
      .prepare('DELETE FROM emu_oauth_consents WHERE hash = ? RETURNING request, expires_at')
      .get(sha256Hex(token)) as { request: string; expires_at: number } | undefined;
    if (!row || row.expires_at <= this.now()) return undefined;
    return JSON.parse(row.request) as AuthorizationRequest;
  }

  issueCode(request: AuthorizationRequest): string {
    const code = secret('mco');
    this.db.prepare('DELETE FROM emu_oauth_codes WHERE expires_at <= ?').run(this.now() - CODE_RETENTION_MS);
    this.db
      .prepare('INSERT INTO emu_oauth_codes (hash, grant_id, request, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256Hex(code), randomUUID(), JSON.stringify(request), this.now() + CODE_LIFETIME_MS);
    return code;
  }

  /** Spends a code: whatever the outcome, it can never be redeemed again. */
  redeemCode(code: string): CodeRedemption {
    const hash = sha256Hex(code);
    return this.db.transaction((): CodeRedemption => {
      const row = this.db
        .prepare('SELECT grant_id, request, expires_at, used FROM emu_oauth_codes WHERE hash = ?')
        .get(hash) as { grant_id: string; request: string; expires_at: number; used: number } | undefined;
      if (!row) return { status: 'unknown' };
      if (row.used) {
        this.revokeGrant(row.grant_id, 'code_replayed');
        return { status: 'replayed' };
      }
      this.db.prepare('UPDATE emu_oauth_codes SET used = 1 WHERE hash = ?').run(hash);
      if (row.expires_at <= this.now()) return { status: 'expired' };
      return {
        status: 'ok',
        grantId: row.grant_id,
        request: JSON.parse(row.request) as AuthorizationRequest,
      };
    })();
  }

  issueTokens(grant: TokenGrant): IssuedTokens {
    const tokens = { accessToken: secret('mat'), refreshToken: secret('mrt') };
    const insert = this.db.prepare(
      `INSERT INTO emu_oauth_tokens (hash, kind, grant_id, developer_id, user_id, scope, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    const { grantId, developerId, userId, scope } = grant;
    const now = this.now();
    insert.run(
      sha256Hex(tokens.accessToken),
      'access',
      grantId,
      developerId,
      userId,
      scope,
      now + 1000 * ACCESS_TOKEN_LIFETIME_SECONDS,
    );
    insert.run(
      sha256Hex(tokens.refreshToken),
      'refresh',
      grantId,
      developerId,
      userId,
      scope,
      now + REFRESH_TOKEN_LIFETIME_MS,
    );
    return tokens;
  }

  /**
   * Spends a refresh token of `developerId` (rotation); a second use of it revokes the whole grant.
   * `vet` sees the grant first and may throw to refuse it, leaving the token unspent.
   */
  useRefreshToken(token: string, developerId: string, vet: (grant: TokenGrant) => void): RefreshOutcome {
    const hash = sha256Hex(token);
    return this.db.transaction((): RefreshOutcome => {
      const row = this.db.prepare('SELECT * FROM emu_oauth_tokens WHERE hash = ?').get(hash) as
        | TokenRow
        | undefined;
      if (row?.kind !== 'refresh' || row.developer_id !== developerId) return { status: 'invalid' };
      if (row.revoked === 'rotated') {
        this.revokeGrant(row.grant_id, 'refresh_reused');
        return { status: 'reused' };
      }
      if (row.revoked !== null || row.expires_at <= this.now()) return { status: 'invalid' };
      const grant = { grantId: row.grant_id, developerId, userId: row.user_id, scope: row.scope };
      vet(grant);
      this.db.prepare(`UPDATE emu_oauth_tokens SET revoked = 'rotated' WHERE hash = ?`).run(hash);
      return { status: 'ok', grant };
    })();
  }

  private revokeGrant(grantId: string, reason: string): void {
    this.db
      .prepare('UPDATE emu_oauth_tokens SET revoked = ? WHERE grant_id = ? AND revoked IS NULL')
      .run(reason, grantId);
  }
}
