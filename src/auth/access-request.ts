/**
 * The access-request step of authorization: ask Memoram for access with a memory key, then poll
 * the request with capped backoff until the user approves, rejects or revokes it in the Memoram
 * dashboard, and fetch the credentials once approved.
 */
import type { Logger } from '../log/logger.js';
import type { MemoramClient } from '../memoram/client.js';
import {
  ConnectionError,
  NotFoundError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../memoram/errors.js';
import type { AccessRequestStatus, UserCredentials } from '../memoram/schemas.js';

export const DEFAULT_REASON = 'memoram-mcp would like to read and save memories for your AI assistant.';

export type PollOutcome =
  | { status: 'approved'; credentials: UserCredentials }
  | { status: 'rejected' | 'revoked' }
  | { status: 'gone' };

export interface PollOptions {
  client: MemoramClient;
  logger: Logger;
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Delay before poll number `attempt` (0-based). */
  delay?: (attempt: number) => number;
}

/** 1 s, 1.5 s, 2.25 s … capped at 10 s: quick right after the request, gentle while the user is away. */
export function pollDelay(attempt: number): number {
  return Math.min(10_000, Math.round(1_000 * 1.5 ** attempt));
}

export async function waitForDecision(requestId: string, options: PollOptions): Promise<PollOutcome> {
  const delay = options.delay ?? pollDelay;
  for (let attempt = 0; ; attempt++) {
    const status = await checkStatus(requestId, options);
    if (status === 'approved') {
      return {
        status,
        credentials: await options.client.getCredentials(requestId, { signal: options.signal }),
      };
    }
    if (status === 'rejected' || status === 'revoked' || status === 'gone') return { status };
    await options.sleep(delay(attempt), options.signal);
  }
}

/** The request's status; a passing network fault counts as still pending, so polling goes on. */
async function checkStatus(requestId: string, options: PollOptions): Promise<AccessRequestStatus | 'gone'> {
  try {
    return (await options.client.getAccessRequest(requestId, { signal: options.signal })).status;
  } catch (error) {
    if (error instanceof NotFoundError) return 'gone';
    const transient = [ConnectionError, TimeoutError, ServerError, RateLimitError].some(
      (type) => error instanceof type,
    );
    if (!transient || options.signal.aborted) throw error;
    options.logger.warn('checking the access request failed; will retry', { error });
    return 'pending';
  }
}
