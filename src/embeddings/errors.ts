/**
 * The errors of the embedding side. Each message is one line a user can act on (it shows in
 * `memoram://status` and the server log) and never carries an API key, a request body or memory
 * text.
 */

export type EmbeddingErrorCode =
  | 'MODEL_FORMAT' // a model file is corrupt, truncated or of a kind we do not read
  | 'MODEL_DOWNLOAD' // the model could not be fetched or did not verify
  | 'ENDPOINT' // the OpenAI-compatible endpoint failed or answered wrongly
  | 'DIMENSION'; // the endpoint's vectors are not of the expected length

export class EmbeddingError extends Error {
  override readonly name: string = 'EmbeddingError';
  readonly code: EmbeddingErrorCode;
  /** The failure may pass by itself (an endpoint down, overloaded or slow): worth trying later. */
  readonly transient: boolean;

  constructor(
    code: EmbeddingErrorCode,
    message: string,
    options: { cause?: unknown; transient?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.transient = options.transient ?? false;
  }
}

export class ModelFormatError extends EmbeddingError {
  override readonly name = 'ModelFormatError';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super('MODEL_FORMAT', message, options);
  }
}
