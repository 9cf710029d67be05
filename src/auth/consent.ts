/**
 * One OAuth consent attempt: PKCE and state, the loopback listener, the authorization URL (opened
 * in the browser unless disabled), then the code exchange. It settles with the OAuth tokens and
 * the user's memory key, or with a MemoramError that says what went wrong and what to do next.
 */
import { MemoramError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { OpenBrowser } from './browser.js';
import { type CallbackResult, startLoopback } from './loopback.js';
import {
  authorizationUrl,
  createPkce,
  createState,
  exchangeCode,
  type OAuthSettings,
  type OAuthTokens,
} from './oauth.js';

export interface ConsentOptions {
  oauth: OAuthSettings;
  redirectPort: number;
  openBrowser: OpenBrowser | undefined;
  logger: Logger;
  lifetimeMs?: number;
}

export interface ConsentAttempt {
  authorizationUrl: string;
  /** Whether a browser was opened for the user. */
  browserOpened: boolean;
  result: Promise<OAuthTokens & { memory_key: string }>;
  cancel(): Promise<void>;
}

const FAILURES: Record<Exclude<CallbackResult, { outcome: 'code' }>['outcome'] | string, string> = {
  denied: 'The user declined access on the Memoram consent page.',
  state_mismatch:
    'The sign-in callback did not match this attempt (wrong or missing state), so it was refused.',
  missing_code: 'The sign-in callback carried no authorization code.',
  provider_error: 'Memoram reported an error on the consent page.',
  timeout: 'The sign-in was not completed within 10 minutes.',
  closed: 'The sign-in attempt was cancelled.',
};

function failure(result: Exclude<CallbackResult, { outcome: 'code' }>): MemoramError {
  const key = result.outcome === 'denied' ? 'denied' : result.reason;
  return new MemoramError('ACCESS_DENIED', FAILURES[key] ?? 'The sign-in failed.', {
    hint: 'Call authorize again to start a new sign-in.',
  });
}

export async function startConsent(options: ConsentOptions): Promise<ConsentAttempt> {
  const state = createState();
  const pkce = createPkce();
  const loopback = await startLoopback({
    state,
    port: options.redirectPort,
    ...(options.lifetimeMs ? { lifetimeMs: options.lifetimeMs } : {}),
  });
  const url = authorizationUrl(options.oauth, loopback.redirectUri, state, pkce);
  const browserOpened = options.openBrowser ? await options.openBrowser(url) : false;
  const result = loopback.result.then(async (callback) => {
    if (callback.outcome !== 'code') throw failure(callback);
    const tokens = await exchangeCode(options.oauth, callback.code, loopback.redirectUri, pkce.verifier);
    if (!tokens.memory_key) {
      throw new MemoramError('UPSTREAM_UNAVAILABLE', 'Memoram’s sign-in answer carried no memory key.', {
        hint: 'Ask the user for their memory key (Memoram dashboard) and call authorize with memory_key.',
      });
    }
    return { ...tokens, memory_key: tokens.memory_key };
  });
  result.catch(() => {}); // settled by whoever awaits it; never an unhandled rejection
  return { authorizationUrl: url, browserOpened, result, cancel: () => loopback.close() };
}
