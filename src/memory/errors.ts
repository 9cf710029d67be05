/**
 * The domain error model: every failure the model or the user can act on is a MemoramError with a
 * stable code, a message saying what happened, and a hint saying what to do next. Messages never
 * carry secrets, ciphertext, raw HTTP bodies or stack traces; the `cause` may, and stays internal.
 */

export type ErrorCode =
  | 'AUTH_REQUIRED'
  | 'APPROVAL_PENDING'
  | 'ACCESS_DENIED'
  | 'ACCESS_REVOKED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'DECRYPTION_FAILED'
  | 'STORE_UNAVAILABLE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'BAD_CONFIG'
  | 'READ_ONLY';

export class MemoramError extends Error {
  override readonly name = 'MemoramError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }

  /** The text a model or a user sees: what happened, then what to do next. */
  get userText(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

export function isMemoramError(error: unknown): error is MemoramError {
  return error instanceof MemoramError;
}

/** A memory id that the backend does not have. */
export function memoryNotFound(id: string): MemoramError {
  return new MemoramError('NOT_FOUND', `No memory has the id ${id}.`, {
    hint: 'Use search_memories to find the right id.',
  });
}

/** An update refused because the memory changed since the caller read it. */
export function memoryConflict(id: string, currentUpdatedAt: string): MemoramError {
  return new MemoramError(
    'CONFLICT',
    `Memory ${id} changed since you read it (updated_at is now ${currentUpdatedAt}).`,
    {
      hint: 'Read it again with read_memories, merge your change, and retry with the new expected_updated_at.',
    },
  );
}
