/**
 * The shapes of the emulator's state (CONTRACT.md §4–5 plus what only the emulator knows) and how
 * its SQLite rows map onto them.
 */
import { createHash } from 'node:crypto';
import type { AccessRequest, AccessRequestStatus } from '../memoram/schemas.js';

export interface DemoUser {
  user_id: string;
  memory_key: string;
  encryption_key: string;
  key_version: number;
}

export interface Developer {
  /** The application's id; access requests carry it as `aiConnectorId`. */
  id: string;
  api_key: string;
  client_id: string;
  /** Shown to the user on the consent page and the dashboard. */
  name: string;
  /** SHA-256 (hex) of the OAuth client secret; null for a public client (PKCE only). */
  client_secret_hash: string | null;
  /** Redirect URIs allowed besides loopback ones (RFC 8252 §7.3). */
  redirect_uris: string[];
}

export interface NewDeveloper {
  name?: string | undefined;
  redirectUris?: string[] | undefined;
  /** Give the app a client secret, which the token endpoint then requires. */
  confidential?: boolean | undefined;
}

export interface DeveloperRow extends Omit<Developer, 'redirect_uris'> {
  redirect_uris: string;
}

/** An access request with what only the emulator knows: whose memory key it named. */
export interface StoredAccessRequest {
  request: AccessRequest;
  subjectUserId: string;
}

export type TransitionAction = 'approve' | 'reject' | 'revoke';

export type TransitionOutcome =
  | { status: 'ok'; request: AccessRequest }
  | { status: 'not_found' }
  | { status: 'conflict'; request: AccessRequest };

export interface AccessRequestRow {
  id: string;
  developer_id: string;
  subject_user_id: string;
  memory_key: string;
  reason: string;
  status: AccessRequestStatus;
  user_id: string | null;
  created_at: string;
  updated_at: string;
}

export const TRANSITIONS: Record<TransitionAction, { from: AccessRequestStatus; to: AccessRequestStatus }> = {
  approve: { from: 'pending', to: 'approved' },
  reject: { from: 'pending', to: 'rejected' },
  revoke: { from: 'approved', to: 'revoked' },
};

export const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export const toDeveloper = (row: DeveloperRow): Developer => ({
  ...row,
  name: row.name || 'Unnamed app',
  redirect_uris: JSON.parse(row.redirect_uris) as string[],
});

export function toAccessRequest(row: AccessRequestRow): AccessRequest {
  return {
    id: row.id,
    status: row.status,
    reason: row.reason,
    memoryKey: row.memory_key,
    user_id: row.user_id,
    aiConnectorId: row.developer_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
