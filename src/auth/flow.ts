/**
 * The authorization flow behind both the `authorize` tool and `memoram-mcp authorize`: cached
 * credentials, else an access request with the memory key (given, configured, or obtained through
 * the browser sign-in of oauth-step.ts), polled until the user decides in the Memoram dashboard.
 * It never holds a caller for long: each authorize() call advances the flow as far as it can within
 * a short window, reports progress while it waits, and returns the current state; the sign-in and
 * polling go on in the background and the next call picks them up. The pending access request is
 * cached, so a restart resumes it; a sign-in in progress lives only as long as this process.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { AuthorizeInput, AuthorizeOptions, ConnectionState } from '../connection/connection.js';
import type { Logger } from '../log/logger.js';
import type { MemoramClient } from '../memoram/client.js';
import {
  ConnectionError,
  NotFoundError,
  ServerError,
  TimeoutError,
  UnexpectedResponseError,
} from '../memoram/errors.js';
import { toDomainError } from '../memoram/remote-errors.js';
import { MemoramError } from '../memory/errors.js';
import { DEFAULT_REASON, type PollOutcome, waitForDecision } from './access-request.js';
import type { ConsentSettings } from './consent.js';
import { type CredentialStore, type Credentials, CredentialsSchema, type Profile } from './credentials.js';
import type { OAuthTokens } from './oauth.js';
import { ConsentStep } from './oauth-step.js';
import {
  consentState,
  declinedState,
  endedState,
  goneState,
  needsMemoryKey,
  pollFailedState,
  signInFailedState,
  stateOf,
  unusableKeyState,
} from './states.js';
import { waitWhileUserActs } from './wait.js';

export interface FlowOptions {
  client: MemoramClient;
  store: CredentialStore;
  logger: Logger;
  /** MEMORAM_MEMORY_KEY, used when a call gives none. */
  memoryKey?: string | undefined;
  /** The browser sign-in, when MEMORAM_CLIENT_ID is configured; without it a memory key is needed. */
  oauth?: ConsentSettings | undefined;
  /** How long one authorize() call waits for the user before it returns. Default 4 s. */
  waitMs?: number;
  /** How often a waiting call reports progress. Default 1 s. */
  progressEveryMs?: number;
  pollDelay?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const sleepFor = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal });

/** Whether the credentials cache (and so the codec) can take this key: 64 hex characters. */
const usableKey = (key: string) => CredentialsSchema.shape.encryption_key.safeParse(key).success;

export class AuthorizationFlow {
  private state: ConnectionState;
  private polling: Promise<void> | undefined;
  /** Stops the current poll alone, when a newer request supersedes it (`stop` ends them all). */
  private pollStop: AbortController | undefined;
  private readonly stop = new AbortController();
  private readonly changed = new Set<() => void>();
  private readonly authorized = new Set<(credentials: Credentials) => void>();
  private readonly consent: ConsentStep | undefined;
  /**
   * The last access request whose outcome is unknown (no answer, or a 5xx, and not in the list
   * when the client looked): it may still have been filed, so the next one for that key looks
   * for it before filing another. Kept for this process only.
   */
  private unconfirmed: { memoryKey: string; reason: string; since: number } | undefined;

  constructor(private readonly options: FlowOptions) {
    this.state = stateOf(options.store.load());
    this.consent = options.oauth
      ? new ConsentStep(options.oauth, {
          consented: (tokens, reason) => this.consented(tokens, reason),
          declined: () => this.setState(declinedState()),
          failed: (error) => this.signInFailed(error),
        })
      : undefined;
  }

  current(): ConnectionState {
    return this.state;
  }

  credentials(): Credentials | undefined {
    return this.options.store.load().credentials;
  }

  onAuthorized(listener: (credentials: Credentials) => void): void {
    this.authorized.add(listener);
  }

  /** Picks up an access request left pending by an earlier run. */
  resume(): void {
    const pending = this.options.store.load().pending;
    if (pending && !this.polling) this.startPolling(pending.access_request_id);
  }

  async authorize(input: AuthorizeInput, options: AuthorizeOptions = {}): Promise<ConnectionState> {
    const { onStateChange } = options;
    const unsubscribe = onStateChange ? this.onChange(() => onStateChange(this.state)) : undefined;
    try {
      return await this.advance(input, options);
    } finally {
      unsubscribe?.();
    }
  }

  private async advance(input: AuthorizeInput, options: AuthorizeOptions): Promise<ConnectionState> {
    const memoryKey = input.memory_key ?? this.options.memoryKey;
    const profile = this.options.store.load();
    const sameKey = (key: string) => memoryKey === undefined || memoryKey === key;
    if (profile.credentials && sameKey(profile.credentials.memory_key)) {
      // Another server process sharing the config dir may have stored them since this one started.
      if (this.state.state !== 'authorized') this.adopt(profile.credentials);
      return this.state;
    }
    if (profile.pending && sameKey(profile.pending.memory_key)) {
      // The request filed earlier (by an earlier run, or before polling failed) is still open: poll
      // it rather than file a second one that the user would have to approve again. A poll that
      // failed may still be finishing (state `error`, handle not yet cleared): it no longer counts.
      if (!(this.polling && this.state.state === 'awaiting_approval')) {
        this.setProfile(profile);
        this.startPolling(profile.pending.access_request_id);
      }
    } else if (memoryKey !== undefined) {
      // A key given now supersedes a browser sign-in still waiting for the user.
      await this.consent?.cancel();
      await this.requestAccess(memoryKey, input.reason, options.signal);
    } else if (this.consent) {
      if (!(await this.signIn(this.consent, input.reason, options))) return this.state;
    } else {
      return needsMemoryKey();
    }
    await waitWhileUserActs(this, options, this.options);
    return this.state;
  }

  /** Starts the browser sign-in, or shows the one waiting for the user; false when it could not start. */
  private async signIn(consent: ConsentStep, reason: string | undefined, options: AuthorizeOptions) {
    let begun: Awaited<ReturnType<ConsentStep['begin']>>;
    try {
      begun = await consent.begin(reason, { openBrowser: !options.urlShownByCaller });
    } catch (error) {
      this.signInFailed(error);
      return false;
    }
    // Once the callback is back, the URL is spent: the state moves on by itself.
    if (!begun.waiting) return true;
    const { attempt } = begun;
    const shown = this.state.state === 'awaiting_user_consent' ? this.state.authorization_url : undefined;
    if (shown !== attempt.authorizationUrl) this.setState(consentState(attempt));
    options.onAuthorizationUrl?.(attempt.authorizationUrl, { browserOpened: attempt.browserOpened });
    return true;
  }

  /** The user allowed access: keep the OAuth tokens, and ask for access with their memory key. */
  private async consented(tokens: OAuthTokens & { memory_key: string }, reason: string | undefined) {
    const { access_token, refresh_token, expires_at } = tokens;
    const oauth = {
      access_token,
      ...(refresh_token ? { refresh_token } : {}),
      ...(expires_at ? { expires_at } : {}),
    };
    this.options.store.update((profile) => ({ ...profile, oauth }));
    await this.requestAccess(tokens.memory_key, reason, this.stop.signal);
  }

  private signInFailed(error: unknown): void {
    if (this.stop.signal.aborted) return;
    this.options.logger.warn('the Memoram sign-in failed', { error });
    this.setState(signInFailedState(error));
  }

  private async requestAccess(
    memoryKey: string,
    reason: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const body = { memoryKey, reason: (reason ?? DEFAULT_REASON).slice(0, 255) };
    const call = signal ? { signal } : {};
    const earlier = this.unconfirmed?.memoryKey === memoryKey ? this.unconfirmed : undefined;
    const since = Date.now();
    const request =
      (earlier &&
        (await this.options.client
          .findAccessRequest({ memoryKey, reason: earlier.reason }, earlier.since, signal)
          .catch((error) => {
            throw toDomainError(error, 'access request');
          }))) ||
      (await this.options.client.createAccessRequest(body, call).catch((error) => {
        if (mayHaveFiled(error)) {
          this.unconfirmed = { memoryKey, reason: body.reason, since: earlier?.since ?? since };
          throw unconfirmedAccessRequest(error);
        }
        if (!(error instanceof NotFoundError)) throw toDomainError(error, 'access request');
        throw new MemoramError('ACCESS_DENIED', 'Memoram does not know that memory key.', {
          hint: 'Ask the user to copy it again from their Memoram dashboard, then call authorize with it.',
          cause: error,
        });
      }));
    this.unconfirmed = undefined;
    const pending = {
      access_request_id: request.id,
      memory_key: memoryKey,
      created_at: new Date().toISOString(),
    };
    this.setProfile(this.options.store.update(({ credentials: _old, ...rest }) => ({ ...rest, pending })));
    this.startPolling(request.id);
  }

  private startPolling(requestId: string): void {
    // Only one request is polled at a time: a newer one stops the poll of the one it supersedes,
    // which would otherwise go on until the process exits, and whose failure would overwrite the
    // newer request's state.
    this.pollStop?.abort();
    const pollStop = new AbortController();
    this.pollStop = pollStop;
    const superseded = () => this.pollStop !== pollStop;
    const run = waitForDecision(requestId, {
      client: this.options.client,
      logger: this.options.logger,
      signal: AbortSignal.any([this.stop.signal, pollStop.signal]),
      sleep: this.options.sleep ?? sleepFor,
      ...(this.options.pollDelay ? { delay: this.options.pollDelay } : {}),
    });
    const polling = run
      .then((outcome) => {
        if (!superseded()) this.settle(requestId, outcome);
      })
      .catch((error) => {
        if (this.stop.signal.aborted || superseded()) return;
        this.options.logger.warn('waiting for access approval failed', { error });
        this.setState(pollFailedState(error));
      })
      .finally(() => {
        // A poll superseded by a newer request must not clear the newer one's handle.
        if (this.polling === polling) this.polling = undefined;
      });
    this.polling = polling;
  }

  private settle(requestId: string, outcome: PollOutcome): void {
    const stored = this.options.store.load();
    if (stored.pending?.access_request_id !== requestId) {
      // Superseded by a newer request, or settled first by another process polling the same one.
      const settledElsewhere = stored.credentials?.access_request_id === requestId;
      if (settledElsewhere && this.state.state !== 'authorized') this.adopt(stored.credentials!);
      return;
    }
    if (outcome.status === 'approved' && !usableKey(outcome.credentials.encryption_key)) {
      // The wire accepts any hex, but the codec needs AES-256. Polling the request again would
      // fetch the same key, so it is forgotten, and the key is neither cached nor logged.
      this.options.logger.warn('Memoram returned an encryption key that is not 256-bit', {
        hexLength: outcome.credentials.encryption_key.length,
      });
      this.options.store.update(({ pending: _done, ...rest }) => rest);
      this.setState(unusableKeyState());
      return;
    }
    if (outcome.status === 'approved') {
      const credentials = { ...outcome.credentials, access_request_id: requestId };
      this.options.store.update(({ pending: _done, ...rest }) => ({ ...rest, credentials }));
      this.adopt(credentials);
      return;
    }
    this.options.store.update(({ pending: _done, ...rest }) => rest);
    this.setState(outcome.status === 'gone' ? goneState() : endedState(outcome.status, requestId));
  }

  /** Starts using stored credentials: the state says authorized, and the connection switches. */
  private adopt(credentials: Credentials): void {
    this.setState(stateOf({ credentials }));
    for (const listener of this.authorized) listener(credentials);
  }

  /** Re-fetches the credentials of the approved request (after a key rotation). */
  async refreshCredentials(): Promise<Credentials> {
    const current = this.credentials();
    if (!current)
      throw new MemoramError('AUTH_REQUIRED', 'Not connected to Memoram.', { hint: 'Call authorize.' });
    const fresh = await this.options.client.getCredentials(current.access_request_id);
    // The cached credentials stay as they are: they still open what they opened before.
    if (!usableKey(fresh.encryption_key))
      throw new MemoramError('DECRYPTION_FAILED', unusableKeyState().message);
    const credentials = { ...fresh, access_request_id: current.access_request_id };
    this.setProfile(this.options.store.update((profile) => ({ ...profile, credentials })));
    return credentials;
  }

  /** After Memoram refused access: checks the request, and forgets the credentials if it was revoked. */
  async checkAccess(): Promise<ConnectionState> {
    const current = this.credentials();
    if (!current) {
      // Another server process sharing the config dir may have forgotten them (a revoke, a logout).
      if (this.state.state === 'authorized') this.setProfile(this.options.store.load());
      return this.state;
    }
    const request = await this.options.client
      .getAccessRequest(current.access_request_id)
      .catch(() => undefined);
    if (request && (request.status === 'revoked' || request.status === 'rejected')) {
      this.options.store.update(({ credentials: _gone, ...rest }) => rest);
      this.setState(endedState(request.status, current.access_request_id));
    }
    return this.state;
  }

  onChange(listener: () => void): () => void {
    this.changed.add(listener);
    return () => this.changed.delete(listener);
  }

  private setProfile(profile: Profile): void {
    this.setState(stateOf(profile));
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.changed) listener();
  }

  /** Stops polling and any sign-in (closing its listener); a pending access request stays cached. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.consent?.cancel();
    await this.polling;
  }
}

/**
 * Whether a failed access request may have been filed all the same: no answer came (a timeout, a
 * connection cut after it was sent), Memoram failed (5xx), or it answered 2xx unreadably. Not: a
 * refusal (4xx), a connection that never opened, or a cancelled call.
 */
function mayHaveFiled(error: unknown): boolean {
  if (error instanceof ConnectionError) return !error.duringConnect;
  return (
    error instanceof TimeoutError || error instanceof ServerError || error instanceof UnexpectedResponseError
  );
}

function unconfirmedAccessRequest(error: unknown): MemoramError {
  return new MemoramError(
    'UPSTREAM_UNAVAILABLE',
    'Memoram did not confirm the access request; it may have been filed.',
    {
      hint: 'Call authorize again in a moment: it looks for that request first and never files a second one. The user can also check for it in their Memoram dashboard.',
      cause: error,
    },
  );
}
