/**
 * The connection states the authorization flow reports, with their messages. The messages are
 * product copy for the model (through the authorize tool) and for the terminal: each says where
 * things stand and what to do next, and none carries a key, token, code or verifier.
 */

import type { ConnectionState } from '../connection/connection.js';
import { toDomainError } from '../memoram/remote-errors.js';
import { MemoramError } from '../memory/errors.js';
import type { ConsentAttempt } from './consent.js';
import type { Profile } from './credentials.js';

export function stateOf(profile: Profile): ConnectionState {
  if (profile.credentials) {
    const { user_id, key_version } = profile.credentials;
    return { state: 'authorized', user_id, key_version, message: 'Connected to Memoram.' };
  }
  if (profile.pending) {
    return {
      state: 'awaiting_approval',
      access_request_id: profile.pending.access_request_id,
      message:
        'An access request is waiting for approval. Ask the user to approve it in their Memoram dashboard, then call authorize again.',
    };
  }
  return {
    state: 'not_connected',
    message:
      'Not connected to Memoram. Call authorize to connect (with the user’s memory key if they have given you one).',
  };
}

export function needsMemoryKey(): ConnectionState {
  return {
    state: 'error',
    message:
      'Connecting needs the user’s Memoram memory key. Ask the user for it (Memoram dashboard → memory key), ' +
      'then call authorize with memory_key, or set MEMORAM_MEMORY_KEY in this server’s configuration. ' +
      'To let the user sign in through the browser instead, set MEMORAM_CLIENT_ID (the app’s OAuth client id ' +
      'from the Memoram developer portal).',
  };
}

export function consentState(attempt: ConsentAttempt): ConnectionState {
  const where = attempt.browserOpened
    ? 'Memoram’s sign-in page was opened in the user’s browser (its address is in authorization_url).'
    : 'Ask the user to open authorization_url in their browser.';
  return {
    state: 'awaiting_user_consent',
    authorization_url: attempt.authorizationUrl,
    message: `${where} There they sign in to Memoram and allow access; then call authorize again.`,
  };
}

export function declinedState(): ConnectionState {
  return {
    state: 'rejected',
    message:
      'The user declined access on the Memoram consent page. If they want to connect after all, call authorize again.',
  };
}

/** A sign-in that failed: what went wrong, then the next step. */
export function signInFailedState(error: unknown): ConnectionState {
  const mapped = error instanceof MemoramError ? error : toDomainError(error, 'access request');
  return {
    state: 'error',
    message:
      mapped instanceof MemoramError
        ? mapped.userText
        : 'The Memoram sign-in failed. Call authorize again to start over.',
  };
}

export function endedState(status: 'rejected' | 'revoked', requestId: string): ConnectionState {
  const what = status === 'rejected' ? 'rejected the access request' : 'revoked this server’s access';
  return {
    state: status,
    access_request_id: requestId,
    message: `The user ${what} in the Memoram dashboard. If they want to connect after all, call authorize again to send a new request.`,
  };
}

export function pollFailedState(error: unknown): ConnectionState {
  const mapped = toDomainError(error, 'access request');
  return {
    state: 'error',
    message:
      mapped instanceof MemoramError
        ? `${mapped.userText} Call authorize again to retry.`
        : 'Checking the access request with Memoram failed. Call authorize again to retry.',
  };
}

/** Approved, but the key Memoram handed out is not one this version can encrypt with. */
export function unusableKeyState(): ConnectionState {
  return {
    state: 'error',
    message:
      'Memoram returned an encryption key this version of memoram-mcp cannot use (it is not a 256-bit key), ' +
      'so it was not saved. Ask the user to update memoram-mcp, then call authorize again to send a new request.',
  };
}

export function goneState(): ConnectionState {
  return { state: 'error', message: 'Memoram no longer knows the access request. Call authorize again.' };
}

/** What a waiting call reports as progress, every second or so. */
export function waitingProgress(state: ConnectionState, seconds: number): string {
  return state.state === 'awaiting_user_consent'
    ? `Waiting for the user to sign in to Memoram and allow access in the browser (${seconds} s)…`
    : `Waiting for the user to approve access in the Memoram dashboard (${seconds} s)…`;
}
