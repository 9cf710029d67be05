/**
 * The authorization flow behind both the `authorize` tool and `memoram-mcp authorize`. It never
 * holds a caller for long: each authorize() call advances the flow as far as it can within a short
 * window, reports progress while it waits, and returns the current state; polling goes on in the
 * background and the next call picks it up. The pending access request is cached, so a restart
 * resumes it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { toDomainError } from '../backends/remote-errors.js';
import type { AuthorizeInput, AuthorizeOptions, ConnectionState } from '../connection.js';
import { MemoramError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { MemoramClient } from '../memoram/client.js';
import { NotFoundError } from '../memoram/errors.js';
import { DEFAULT_REASON, type PollOutcome, waitForDecision } from './access-request.js';
import type { CredentialStore, Credentials, Profile } from './credentials.js';

export interface FlowOptions {
  client: MemoramClient;
  store: CredentialStore;
  logger: Logger;
  /** MEMORAM_MEMORY_KEY, used when a call gives none. */
  memoryKey?: string | undefined;
  /** How long one authorize() call waits for a decision before it returns. Default 4 s. */
  waitMs?: number;
  /** How often a waiting call reports progress. Default 1 s. */
  progressEveryMs?: number;
  pollDelay?: (attempt: number) => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const sleepFor = (ms: number, signal: AbortSignal) => delay(ms, undefined, { signal });

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
      'Not connected to Memoram. Call authorize with the user’s memory key (from their Memoram dashboard).',
  };
}

export class AuthorizationFlow {
  private state: ConnectionState;
  private polling: Promise<void> | undefined;
  private readonly stop = new AbortController();
  private readonly changed = new Set<() => void>();
  private readonly authorized = new Set<(credentials: Credentials) => void>();

  constructor(private readonly options: FlowOptions) {
    this.state = stateOf(options.store.load());
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
    } else {
      if (memoryKey === undefined) return this.needsMemoryKey();
      await this.requestAccess(memoryKey, input.reason, options.signal);
    }
    await this.waitForChange(options);
    return this.state;
  }

  private needsMemoryKey(): ConnectionState {
    return {
      state: 'error',
      message:
        'Connecting needs the user’s Memoram memory key. Ask the user for it (Memoram dashboard → memory key), ' +
        'then call authorize with memory_key, or set MEMORAM_MEMORY_KEY in this server’s configuration.',
    };
  }

  private async requestAccess(
    memoryKey: string,
    reason: string | undefined,
    signal?: AbortSignal,
  ): Promise<void> {
    const body = { memoryKey, reason: (reason ?? DEFAULT_REASON).slice(0, 255) };
    const request = await this.options.client
      .createAccessRequest(body, signal ? { signal } : {})
      .catch((error) => {
        if (!(error instanceof NotFoundError)) throw toDomainError(error, 'access request');
        throw new MemoramError('ACCESS_DENIED', 'Memoram does not know that memory key.', {
          hint: 'Ask the user to copy it again from their Memoram dashboard, then call authorize with it.',
          cause: error,
        });
      });
    const pending = {
      access_request_id: request.id,
      memory_key: memoryKey,
      created_at: new Date().toISOString(),
    };
    this.setProfile(this.options.store.update(({ credentials: _old, ...rest }) => ({ ...rest, pending })));
    this.startPolling(request.id);
  }

  private startPolling(requestId: string): void {
    const run = waitForDecision(requestId, {
      client: this.options.client,
      logger: this.options.logger,
      signal: this.stop.signal,
      sleep: this.options.sleep ?? sleepFor,
      ...(this.options.pollDelay ? { delay: this.options.pollDelay } : {}),
    });
    const polling = run
      .then((outcome) => this.settle(requestId, outcome))
      .catch((error) => {
        if (this.stop.signal.aborted) return;
        this.options.logger.warn('waiting for access approval failed', { error });
        this.setState({ state: 'error', message: describeFailure(error) });
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
    if (outcome.status === 'approved') {
      const credentials = { ...outcome.credentials, access_request_id: requestId };
      this.options.store.update(({ pending: _done, ...rest }) => ({ ...rest, credentials }));
      this.adopt(credentials);
      return;
    }
    this.options.store.update(({ pending: _done, ...rest }) => rest);
    if (outcome.status === 'gone') {
      this.setState({
        state: 'error',
        message: 'Memoram no longer knows the access request. Call authorize again.',
      });
    } else {
      this.setState(endedState(outcome.status, requestId));
    }
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

  /** Waits up to waitMs for the state to change, reporting progress meanwhile. */
  private async waitForChange(options: AuthorizeOptions): Promise<void> {
    if (this.state.state !== 'awaiting_approval') return;
    const waitMs = this.options.waitMs ?? 4_000;
    const every = this.options.progressEveryMs ?? 1_000;
    const started = Date.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearInterval(ticker);
        clearTimeout(timer);
        unsubscribe();
        options.signal?.removeEventListener('abort', done);
        resolve();
      };
      const unsubscribe = this.onChange(done);
      const timer = setTimeout(done, waitMs);
      const ticker = setInterval(() => {
        const seconds = Math.round((Date.now() - started) / 1000);
        options.onProgress?.(
          `Waiting for the user to approve access in the Memoram dashboard (${seconds} s)…`,
        );
      }, every);
      options.signal?.addEventListener('abort', done);
    });
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.polling;
  }
}

function endedState(status: 'rejected' | 'revoked', requestId: string): ConnectionState {
  const what = status === 'rejected' ? 'rejected the access request' : 'revoked this server’s access';
  return {
    state: status,
    access_request_id: requestId,
    message: `The user ${what} in the Memoram dashboard. If they want to connect after all, call authorize again to send a new request.`,
  };
}

function describeFailure(error: unknown): string {
  const mapped = toDomainError(error, 'access request');
  if (mapped instanceof MemoramError) return `${mapped.userText} Call authorize again to retry.`;
  return 'Checking the access request with Memoram failed. Call authorize again to retry.';
}
