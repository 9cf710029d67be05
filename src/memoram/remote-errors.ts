/**
 * Maps the REST client's HTTP errors to domain errors whose text a model or a person can act on.
 * The HTTP error stays as `cause` (for the log); nothing of the response body reaches the text.
 */

import {
  AbortedError,
  ApiError,
  BadRequestError,
  ConnectionError,
  ForbiddenError,
  NotFoundError,
  RateLimitError,
  TimeoutError,
  UnauthorizedError,
} from '../memoram/errors.js';
import { MemoramError } from '../memory/errors.js';

/** Whether Memoram said the memory itself does not exist (not: the token endpoint failed). */
export function isMissingBlob(error: unknown): error is NotFoundError {
  return error instanceof NotFoundError && error.endpoint.includes('/memory-blobs');
}

/**
 * Whether a failed create provably stored nothing: Memoram refused it (4xx), as it answers before
 * writing. Not: a 408, a 429 (a server may store first and then say "too many"), a 5xx, no
 * answer, a cancelled call, or a 2xx whose body was unreadable.
 */
export function wroteNothing(error: unknown): boolean {
  if (error instanceof MemoramError) return error.code !== 'UPSTREAM_UNAVAILABLE';
  return (
    error instanceof ApiError &&
    error.status >= 400 &&
    error.status < 500 &&
    error.status !== 408 &&
    error.status !== 429
  );
}

/** A create that may have landed unseen: say so, and that creating it again is safe. */
export function unconfirmedCreate(error: unknown): unknown {
  if (error instanceof AbortedError) return error;
  return new MemoramError(
    'UPSTREAM_UNAVAILABLE',
    'Memoram did not confirm the save in time; the memory may still be saved.',
    {
      hint: 'Search for it in a minute, or create it again: a repeat of the same content checks for this save first and never stores a second copy.',
      cause: error,
    },
  );
}

export function toDomainError(error: unknown, what: string): unknown {
  if (error instanceof MemoramError || error instanceof AbortedError) return error;
  // The developer token is fetched inside every call: its failure is about the API key, not about
  // the memory or input the call was for (the contract documents 400 for a bad key there).
  if (
    error instanceof ApiError &&
    error.endpoint === 'POST /auth/token' &&
    error.status < 500 &&
    error.status !== 429
  ) {
    return new MemoramError('BAD_CONFIG', 'Memoram refused the developer API key.', {
      hint: 'Check MEMORAM_API_KEY in this server’s configuration.',
      cause: error,
    });
  }
  if (error instanceof UnauthorizedError) {
    return new MemoramError('BAD_CONFIG', 'Memoram rejected the developer API key.', {
      hint: 'Check MEMORAM_API_KEY in this server’s configuration.',
      cause: error,
    });
  }
  if (error instanceof ForbiddenError) {
    return new MemoramError('ACCESS_REVOKED', 'Memoram refused access to this account’s memories.', {
      hint: 'The access may have been revoked in the Memoram dashboard: call authorize to request access again.',
      cause: error,
    });
  }
  if (error instanceof NotFoundError) {
    return new MemoramError('NOT_FOUND', `Memoram has no ${what}.`, { cause: error });
  }
  if (error instanceof BadRequestError) {
    return new MemoramError('INVALID_INPUT', `Memoram refused the request for ${what} as invalid.`, {
      cause: error,
    });
  }
  if (error instanceof RateLimitError) {
    return new MemoramError('UPSTREAM_UNAVAILABLE', 'Memoram is rate-limiting requests right now.', {
      hint: 'Wait a minute and try again.',
      cause: error,
    });
  }
  if (error instanceof ApiError || error instanceof ConnectionError || error instanceof TimeoutError) {
    return new MemoramError('UPSTREAM_UNAVAILABLE', 'Memoram could not be reached or failed to answer.', {
      hint: 'Try again in a moment; if it persists, check the network and MEMORAM_API_URL.',
      cause: error,
    });
  }
  return error;
}
