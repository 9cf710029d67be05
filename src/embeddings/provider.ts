/**
 * What search by meaning needs from an embedding model, whichever runs it (a local static model
 * in this process, or an OpenAI-compatible endpoint the user named), and the state a caller reads
 * while the model is not ready yet (being downloaded or loaded, failed, or turned off): until it is
 * ready, search is lexical and `memoram://status` says why.
 */

export interface EmbeddingProvider {
  /**
   * Names the model and whatever changes its vectors (for example `local:minishlab/potion-base-8M`
   * or `openai:http://127.0.0.1:11434/v1#nomic-embed-text`): vectors stored under another id are
   * never compared with this provider's, and a change of id re-embeds the store.
   */
  readonly id: string;
  readonly dimensions: number;
  /** One L2-normalised vector per text, in order; rejects (typed error) rather than return fewer. */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type EmbeddingsStatus =
  | { state: 'off'; reason: string }
  | { state: 'loading'; model: string; detail: string }
  | { state: 'ready'; model: string; dimensions: number }
  | { state: 'failed'; model: string; error: string };

/** The embedding side of a running server: a provider once (and while) one is ready. */
export interface Embeddings {
  status(): EmbeddingsStatus;
  /** The provider when ready, else undefined: the caller searches by words alone. */
  provider(): EmbeddingProvider | undefined;
  /**
   * Settles once the provider is ready (with it) or has failed for good or is off (undefined).
   * Never rejects. While an endpoint is unreachable it is asked again, less and less often: the
   * status is `failed` (saying when it tries again) and this stays pending until it answers.
   */
  ready(): Promise<EmbeddingProvider | undefined>;
  close(): Promise<void>;
}
