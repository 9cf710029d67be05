/**
 * A real, deterministic embedding provider for tests, shaped like a static model: each word has a
 * fixed vector (words of one synonym group share theirs), stop words weigh nothing and words of no
 * group little (as a trained model's weights favour the words that carry meaning), a text is the
 * weighted mean of its words' vectors, L2-normalised. So "pet" lands near "retriever" and far from "invoice"
 * as a trained model would put them, with no file and no download. `testEmbeddings` wraps it in the
 * Embeddings a server holds, whose readiness a test controls (loading, ready, failed, off).
 */
import { createHash } from 'node:crypto';
import type { EmbeddingProvider, Embeddings, EmbeddingsStatus } from '../../src/embeddings/provider.js';
import { STOP_WORDS } from '../../src/store/stop-words.js';

export const SYNONYMS: readonly (readonly string[])[] = [
  ['pet', 'pets', 'dog', 'dogs', 'puppy', 'retriever', 'cat', 'kitten', 'animal', 'adopted'],
  ['car', 'cars', 'vehicle', 'automobile', 'sedan', 'drive', 'drives', 'driving'],
  ['food', 'meal', 'dinner', 'lunch', 'eat', 'eats', 'cuisine', 'dish', 'cook', 'cooking'],
  ['job', 'work', 'works', 'employer', 'career', 'office', 'company', 'employed'],
  ['trip', 'travel', 'vacation', 'holiday', 'journey', 'flew', 'flight', 'abroad'],
  ['sick', 'ill', 'illness', 'doctor', 'hospital', 'fever', 'flu', 'health'],
  ['money', 'salary', 'budget', 'savings', 'bank', 'invoice', 'paid', 'cost'],
  ['music', 'song', 'songs', 'guitar', 'piano', 'concert', 'band', 'instrument'],
  ['house', 'home', 'apartment', 'flat', 'moved', 'rent', 'neighbourhood'],
  ['sport', 'sports', 'running', 'marathon', 'football', 'gym', 'exercise', 'jog'],
  ['crash', 'error', 'failure', 'bug', 'broken', 'exception', 'fails'],
];

/** The weight of a word in no synonym group. */
const OTHER_WORDS = 0.3;

const group = new Map<string, number>();
for (const [at, words] of SYNONYMS.entries()) for (const word of words) group.set(word, at);

function seededVector(seed: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let block = Buffer.alloc(0);
  for (let at = 0; at < dimensions; at++) {
    if (at % 8 === 0) block = createHash('sha256').update(`${seed}:${at}`).digest();
    // Four bytes → a value in [-1, 1).
    vector[at] = block.readInt32LE((at % 8) * 4) / 2 ** 31;
  }
  return normalise(vector);
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let at = 0; at < vector.length; at++) vector[at]! /= norm;
  return vector;
}

export interface SynonymProviderOptions {
  dimensions?: number;
  /** Changes every vector: another model. */
  id?: string;
}

export function synonymProvider(options: SynonymProviderOptions = {}): EmbeddingProvider & { calls: number } {
  const dimensions = options.dimensions ?? 256;
  const id = options.id ?? 'test:synonyms';
  const cache = new Map<string, Float32Array>();
  const wordVector = (word: string) => {
    const seed = `${id}:${group.has(word) ? `group${group.get(word)}` : word}`;
    let vector = cache.get(seed);
    if (!vector) {
      vector = seededVector(seed, dimensions);
      cache.set(seed, vector);
    }
    return vector;
  };
  const provider = {
    id,
    dimensions,
    calls: 0,
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      provider.calls++;
      return texts.map((text) => {
        const sum = new Float32Array(dimensions);
        const words = (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? []).filter((w) => !STOP_WORDS.has(w));
        for (const word of words) {
          const vector = wordVector(word);
          const weight = group.has(word) ? 1 : OTHER_WORDS;
          for (let at = 0; at < dimensions; at++) sum[at]! += weight * vector[at]!;
        }
        return normalise(sum);
      });
    },
  };
  return provider;
}

export interface TestEmbeddings extends Embeddings {
  makeReady(): void;
  fail(error: string): void;
}

/** The Embeddings of a server, ready at once unless `loading`; `off` stays off. */
export function testEmbeddings(
  provider: EmbeddingProvider,
  start: 'ready' | 'loading' | 'off' = 'ready',
): TestEmbeddings {
  let state: EmbeddingsStatus =
    start === 'ready'
      ? { state: 'ready', model: provider.id, dimensions: provider.dimensions }
      : start === 'off'
        ? { state: 'off', reason: 'MEMORAM_EMBEDDINGS=off' }
        : { state: 'loading', model: provider.id, detail: 'loading the model' };
  let settle: (value: EmbeddingProvider | undefined) => void = () => {};
  const ready = new Promise<EmbeddingProvider | undefined>((resolve) => {
    settle = resolve;
  });
  if (start === 'ready') settle(provider);
  if (start === 'off') settle(undefined);
  return {
    status: () => state,
    provider: () => (state.state === 'ready' ? provider : undefined),
    ready: () => ready,
    close: async () => {},
    makeReady() {
      state = { state: 'ready', model: provider.id, dimensions: provider.dimensions };
      settle(provider);
    },
    fail(error: string) {
      state = { state: 'failed', model: provider.id, error };
      settle(undefined);
    },
  };
}
