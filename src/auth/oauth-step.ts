/**
 * The browser sign-in step of authorization (OAuth with PKCE on a loopback redirect): at most one
 * consent attempt at a time, reused by every authorize call while it waits for the user, so a
 * second call shows the same URL instead of starting over. Its outcome goes to the flow's handlers:
 * the memory key (and tokens) on consent, `declined`, or a failure. An attempt stays current until
 * that handler has finished (it files the access request), so no call starts a second sign-in in
 * between. A cancelled attempt reports nothing.
 */
import { type ConsentAttempt, type ConsentSettings, startConsent } from './consent.js';
import type { OAuthTokens } from './oauth.js';

export interface ConsentHandlers {
  consented(tokens: OAuthTokens & { memory_key: string }, reason: string | undefined): Promise<void>;
  declined(): void;
  failed(error: unknown): void;
}

interface Entry {
  attempt: Promise<ConsentAttempt>;
  reason: string | undefined;
  /** The callback came back (or the attempt ended): its URL is spent. */
  settled: boolean;
  cancelled: boolean;
}

export class ConsentStep {
  private entry: Entry | undefined;

  constructor(
    private readonly settings: ConsentSettings,
    private readonly handlers: ConsentHandlers,
  ) {}

  /**
   * The current attempt, or a new one (the reason is kept for the access request that follows).
   * `waiting` is false once the callback has come back. Throws when the listener cannot start.
   */
  async begin(
    reason: string | undefined,
    options: { openBrowser: boolean } = { openBrowser: true },
  ): Promise<{ attempt: ConsentAttempt; waiting: boolean }> {
    const entry = this.entry ?? this.start(reason, options.openBrowser);
    const attempt = await entry.attempt;
    return { attempt, waiting: !entry.settled };
  }

  private start(reason: string | undefined, openBrowser: boolean): Entry {
    const settings = openBrowser ? this.settings : { ...this.settings, openBrowser: undefined };
    const entry: Entry = { attempt: startConsent(settings), reason, settled: false, cancelled: false };
    this.entry = entry;
    entry.attempt
      .then(
        (attempt) => this.follow(entry, attempt),
        () => {}, // a listener that never started is reported by begin()
      )
      .finally(() => {
        if (this.entry === entry) this.entry = undefined;
      });
    return entry;
  }

  private async follow(entry: Entry, attempt: ConsentAttempt): Promise<void> {
    try {
      const outcome = await attempt.result.finally(() => {
        entry.settled = true;
      });
      if (entry.cancelled) return;
      if (outcome.outcome === 'declined') this.handlers.declined();
      else await this.handlers.consented(outcome.tokens, entry.reason);
    } catch (error) {
      if (!entry.cancelled) this.handlers.failed(error);
    }
  }

  /** Stops the current attempt (closing its listener); its outcome is no longer reported. */
  async cancel(): Promise<void> {
    const entry = this.entry;
    if (!entry) return;
    entry.cancelled = true;
    this.entry = undefined;
    const attempt = await entry.attempt.catch(() => undefined);
    await attempt?.cancel();
  }
}
