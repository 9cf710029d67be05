/**
 * How one authorize call waits while the user has something to do (sign in, approve): until the
 * state changes, the call's signal aborts, or the window ends, with a progress report every second
 * or so. The flow goes on either way; this only decides when the call returns.
 */
import type { AuthorizeOptions, ConnectionState } from '../connection/connection.js';
import { waitingProgress } from './states.js';

export interface Watched {
  current(): ConnectionState;
  onChange(listener: () => void): () => void;
}

export interface WaitTiming {
  /** How long a call waits at most. Default 4 s. */
  waitMs?: number | undefined;
  /** How often it reports progress. Default 1 s. */
  progressEveryMs?: number | undefined;
}

export async function waitWhileUserActs(
  flow: Watched,
  options: AuthorizeOptions,
  timing: WaitTiming,
): Promise<void> {
  const { state } = flow.current();
  const waiting = state === 'awaiting_approval' || state === 'awaiting_user_consent';
  if (!waiting || options.signal?.aborted) return;
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(ticker);
      clearTimeout(timer);
      unsubscribe();
      options.signal?.removeEventListener('abort', done);
      resolve();
    };
    const unsubscribe = flow.onChange(done);
    const timer = setTimeout(done, timing.waitMs ?? 4_000);
    const ticker = setInterval(() => {
      options.onProgress?.(waitingProgress(flow.current(), Math.round((Date.now() - started) / 1000)));
    }, timing.progressEveryMs ?? 1_000);
    options.signal?.addEventListener('abort', done);
  });
}
