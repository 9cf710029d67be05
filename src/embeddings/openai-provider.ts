/**
 * An OpenAI-compatible embeddings endpoint (Ollama, LM Studio, llama.cpp, vLLM or a hosted
 * service): `POST {url}/embeddings` with the texts in batches, a deadline per request, and
 * retries with capped, jittered backoff on what is worth retrying (the network, timeouts, 408, 429
 * and 5xx), honouring Retry-After. The vector length is learnt from one probe when connecting and
 * checked on every answer: a model swapped behind the URL is an error, never a silent mix of
 * spaces. Memory text goes to this endpoint; the API key goes only into its Authorization header,
 * never into a message or a log line.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Dispatcher, request } from 'undici';
import { z } from 'zod';
import { DEFAULT_BACKOFF, parseRetryAfter, retryDelayMs } from '../memoram/retry.js';
import { EmbeddingError } from './errors.js';
import type { EmbeddingProvider } from './provider.js';

export interface OpenAIProviderOptions {
  /** The API base, e.g. `http://127.0.0.1:11434/v1`; `/embeddings` is appended. */
  url: string;
  model: string;
  apiKey?: string | undefined;
  dispatcher?: Dispatcher | undefined;
  /** Deadline of one request, headers and body (default 30 s). */
  timeoutMs?: number;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** Retries after the first attempt (default 3). */
  retries?: number;
  random?: () => number;
}

const ResponseSchema = z.object({
  data: z.array(
    z.object({ embedding: z.array(z.number()), index: z.number().int().nonnegative().optional() }),
  ),
});

const PROBE = 'memoram dimension probe';

/** Connects: one probe request learns the vector length. Rejects with an EmbeddingError. */
export async function connectOpenAIProvider(
  options: OpenAIProviderOptions,
  signal?: AbortSignal,
): Promise<EmbeddingProvider> {
  const client = new EndpointClient(options);
  const [probe] = await client.post([PROBE], signal);
  const dimensions = probe!.length;
  if (dimensions === 0) throw new EmbeddingError('ENDPOINT', `${client.where} returned an empty vector`);
  return {
    id: `openai:${options.url}#${options.model}@${dimensions}`,
    dimensions,
    embed: async (texts, embedSignal) => {
      const vectors: Float32Array[] = [];
      const batchSize = options.batchSize ?? 64;
      for (let start = 0; start < texts.length; start += batchSize) {
        for (const vector of await client.post(texts.slice(start, start + batchSize), embedSignal)) {
          if (vector.length !== dimensions) {
            throw new EmbeddingError(
              'DIMENSION',
              `${client.where} returned vectors of ${vector.length} dimensions where ${dimensions} were expected: the model behind it changed; restart the server to re-embed with it`,
            );
          }
          vectors.push(vector);
        }
      }
      return vectors;
    },
  };
}

class EndpointClient {
  readonly where: string;
  private readonly endpoint: URL;

  constructor(private readonly options: OpenAIProviderOptions) {
    this.endpoint = new URL(`${options.url.replace(/\/+$/, '')}/embeddings`);
    // Origin and path only: a URL's user-info or query could carry a credential.
    this.where = `the embeddings endpoint ${this.endpoint.origin}${this.endpoint.pathname}`;
  }

  /** One batch, retried while the failure is transient; L2-normalised vectors in input order. */
  async post(input: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const retries = this.options.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      signal?.throwIfAborted();
      const outcome = await this.attempt(input, signal);
      if (outcome.vectors) return outcome.vectors;
      const delay =
        attempt < retries
          ? retryDelayMs(attempt, outcome.retryAfterMs, this.options.random ?? Math.random, DEFAULT_BACKOFF)
          : undefined;
      if (!outcome.transient || delay === undefined) {
        throw new EmbeddingError(outcome.error.code, outcome.error.message, { transient: outcome.transient });
      }
      await sleep(delay, undefined, signal ? { signal } : undefined);
    }
  }

  private async attempt(
    input: readonly string[],
    signal?: AbortSignal,
  ): Promise<
    | { vectors: Float32Array[]; error?: never }
    | { vectors?: never; error: EmbeddingError; transient: boolean; retryAfterMs?: number | undefined }
  > {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const deadline = AbortSignal.timeout(timeoutMs);
    let response: Dispatcher.ResponseData;
    let text: string;
    try {
      response = await request(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'memoram-mcp',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input, encoding_format: 'float' }),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
      text = await response.body.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const timedOut = deadline.aborted || /timeout/i.test((error as Error).name + (error as Error).message);
      const reason = timedOut
        ? `did not answer within ${timeoutMs} ms`
        : `could not be reached (${(error as NodeJS.ErrnoException).code ?? (error as Error).name})`;
      return { error: new EmbeddingError('ENDPOINT', `${this.where} ${reason}`), transient: true };
    }
    const status = response.statusCode;
    if (status !== 200) {
      const transient = status === 408 || status === 429 || status >= 500;
      const hint =
        status === 401 || status === 403
          ? ' (check MEMORAM_EMBEDDINGS_API_KEY)'
          : status === 404
            ? ' (check MEMORAM_EMBEDDINGS_URL and _MODEL)'
            : '';
      return {
        error: new EmbeddingError('ENDPOINT', `${this.where} answered HTTP ${status}${hint}`),
        transient,
        retryAfterMs: parseRetryAfter(response.headers['retry-after'], Date.now()),
      };
    }
    return this.parse(text, input.length);
  }

  private parse(
    text: string,
    count: number,
  ): { vectors: Float32Array[] } | { error: EmbeddingError; transient: false } {
    const bad = (reason: string) => ({
      error: new EmbeddingError('ENDPOINT', `${this.where} ${reason}`),
      transient: false as const,
    });
    let parsed: z.infer<typeof ResponseSchema>;
    try {
      parsed = ResponseSchema.parse(JSON.parse(text));
    } catch {
      return bad('answered with something that is not an OpenAI embeddings response');
    }
    if (parsed.data.length !== count) return bad(`returned ${parsed.data.length} vectors for ${count} texts`);
    const ordered = parsed.data.every((item) => item.index !== undefined)
      ? [...parsed.data].sort((a, b) => a.index! - b.index!)
      : parsed.data;
    return { vectors: ordered.map((item) => normalised(item.embedding)) };
  }
}

function normalised(values: number[]): Float32Array {
  const vector = Float32Array.from(values);
  let norm = 0;
  for (const value of vector) norm += value * value;
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
  }
  return vector;
}
