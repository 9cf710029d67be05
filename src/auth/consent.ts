/**
 * One OAuth consent attempt: PKCE and state, the loopback listener, the authorization URL (opened
 * in the browser unless disabled), then the code exchange. It settles with the OAuth tokens and
 * the user's memory key, with `declined` when the user said no on the consent page, or with a
 * MemoramError that says what went wrong and what to do next.
 */
import { MemoramError } from '../memory/errors.js';
import type { OpenBrowser } from './browser.js';
import { type CallbackResult, type Loopback, startLoopback } from './loopback.js';
import {
  authorizationUrl,
  createPkce,
  createState,
  exchangeCode,
  type OAuthSettings,
  type OAuthTokens,
} from './oauth.js';

export interface ConsentSettings extends OAuthSettings {
  /** 0 for an ephemeral port (the default), or MEMORAM_REDIRECT_PORT. */
  redirectPort: number;
  /** Undefined when the browser must not be opened (MEMORAM_NO_BROWSER). */
  openBrowser: OpenBrowser | undefined;
  /** How long the listener waits for the callback. Default 10 minutes. */
  lifetimeMs?: number;
}

export type ConsentOutcome =
  | { outcome: 'consented'; tokens: OAuthTokens & { memory_key: string } }
  | { outcome: 'declined' };

export interface ConsentAttempt {
  authorizationUrl: string;
  /** Whether a browser was opened for the user. */
  browserOpened: boolean;
  result: Promise<ConsentOutcome>;
  cancel(): Promise<void>;
}

type Failure = Exclude<CallbackResult, { outcome: 'code' } | { outcome: 'denied' }>['reason'];

const FAILURES: Record<Failure, string> = {
  state_mismatch:
    'The sign-in callback did not match this attempt (wrong or missing state), so it was refused.',
  missing_code: 'The sign-in callback carried no authorization code.',
  provider_error: 'Memoram reported an error on the consent page.',
  timeout: 'The sign-in was not completed within 10 minutes.',
  closed: 'The sign-in attempt was cancelled.',
};

function failure(reason: Failure): MemoramError {
  return new MemoramError('AUTH_REQUIRED', FAILURES[reason], {
    hint: 'Call authorize again to start a new sign-in.',
  });
}

async function listen(settings: ConsentSettings, state: string): Promise<Loopback> {
  try {
    return await startLoopback({
      state,
      port: settings.redirectPort,
      ...(settings.lifetimeMs ? { lifetimeMs: settings.lifetimeMs } : {}),
    });
  } catch (cause) {
    throw new MemoramError(
      'BAD_CONFIG',
      `Could not listen on 127.0.0.1 port ${settings.redirectPort} for the sign-in callback.`,
      {
        hint: 'Free that port or change MEMORAM_REDIRECT_PORT (0 picks a free one), then call authorize again.',
        cause,
      },
    );
  }
}

export async function startConsent(settings: ConsentSettings): Promise<ConsentAttempt> {
  const state = createState();
  const pkce = createPkce();
  const loopback = await listen(settings, state);
  const url = authorizationUrl(settings, loopback.redirectUri, state, pkce);
  const browserOpened = settings.openBrowser ? await settings.openBrowser(url) : false;
  const result = loopback.result.then(async (callback): Promise<ConsentOutcome> => {
    if (callback.outcome === 'denied') return { outcome: 'declined' };
    if (callback.outcome !== 'code') throw failure(callback.reason);
    const tokens = await exchangeCode(settings, callback.code, loopback.redirectUri, pkce.verifier);
    if (!tokens.memory_key) {
      throw new MemoramError('UPSTREAM_UNAVAILABLE', 'Memoram’s sign-in answer carried no memory key.', {
        hint: 'Ask the user for their memory key (Memoram dashboard) and call authorize with memory_key.',
      });
    }
    return { outcome: 'consented', tokens: { ...tokens, memory_key: tokens.memory_key } };
  });
  result.catch(() => {}); // settled by whoever awaits it; never an unhandled rejection
  return { authorizationUrl: url, browserOpened, result, cancel: () => loopback.close() };
}
