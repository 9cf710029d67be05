/**
 * A Model2Vec-style static model run in this process: the model's own tokenizer.json (through
 * @huggingface/tokenizers) turns a text into token ids, each id picks one row of the `embeddings`
 * tensor of model.safetensors, and the text's vector is the mean of those rows, L2-normalised —
 * as model2vec's `StaticModel.encode` does, including its optional per-token `weights` and
 * vocabulary-quantisation `mapping` tensors, its 512-token cut, and leaving out the unknown and
 * special tokens. The matrix is held as int8 with a scale per row (src/embeddings/model-matrix.ts):
 * a quarter of an F32 model's file in memory, for vectors within a cosine of 0.9999 of F32's.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { ModelFormatError } from './errors.js';
import { type Matrix, matrixBytes, readMatrix } from './model-matrix.js';
import type { EmbeddingProvider } from './provider.js';

export const MODEL_FILES = ['config.json', 'tokenizer.json', 'model.safetensors'] as const;
export type ModelFile = (typeof MODEL_FILES)[number];
export type FileDigests = Record<ModelFile, string>;

// model2vec's defaults: at most 512 tokens per text, and the text cut to 512 × the median token
// length before tokenizing, so a huge memory costs no more than a long one.
const MAX_TOKENS = 512;
// Yield to the event loop between slices of a batch, so a tool call never waits behind one.
const TEXTS_PER_TURN = 32;

const ConfigSchema = z.looseObject({ normalize: z.boolean().optional() });

export interface LoadOptions {
  /** What the model is called in ids and messages: the Hugging Face id, or the folder. */
  name: string;
  /** Digests the files must have (a downloaded model's, recorded when it was verified). */
  expected?: FileDigests;
}

export interface StaticModel extends EmbeddingProvider {
  readonly vocabularySize: number;
  /** Bytes held by the matrix and the per-token tables (for status and the bench). */
  readonly matrixBytes: number;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Loads the model in `dir`; a missing, corrupt or tampered file is a ModelFormatError naming it. */
export async function loadStaticModel(dir: string, options: LoadOptions): Promise<StaticModel> {
  const { expected } = options;
  const fingerprint = createHash('sha256');
  const changed = (name: ModelFile) =>
    new ModelFormatError(
      `${name} in ${dir} has changed since it was downloaded and verified (its sha256 differs)`,
    );
  // Each file is read once. With digests to check (a downloaded model: a cache can be tampered
  // with), its bytes are hashed as they are read; a folder the user named is theirs, and hashing
  // 30 MB would only slow every start: its files' sizes and times tell a replaced model apart.
  const check = async (name: ModelFile, digest: string | undefined) => {
    if (expected) {
      if (expected[name] !== digest) throw changed(name);
      fingerprint.update(`${name}:${digest}\n`);
    } else {
      const { size, mtimeMs } = await reading(dir, name, () => stat(path.join(dir, name)));
      fingerprint.update(`${name}:${size}:${mtimeMs}\n`);
    }
  };
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  const configBytes = await reading(dir, 'config.json', () => readFile(path.join(dir, 'config.json')));
  await check('config.json', sha256(configBytes));
  const tokenizerBytes = await reading(dir, 'tokenizer.json', () =>
    readFile(path.join(dir, 'tokenizer.json')),
  );
  await check('tokenizer.json', sha256(tokenizerBytes));
  // Parsed only once checked: a changed file is reported as changed, not as what it now looks like.
  parseJson('config.json', configBytes.toString('utf8'), ConfigSchema);
  const tokenizer = await loadTokenizer(tokenizerBytes);
  const file = path.join(dir, 'model.safetensors');
  const hash = expected ? createHash('sha256') : undefined;
  let matrix: Matrix;
  try {
    matrix = await reading(dir, 'model.safetensors', () => readModelFile(file, hash));
  } catch (error) {
    // Here too, a changed file is reported as changed, even where the change broke its format.
    if (expected && (await sha256File(file).catch(() => '')) !== expected['model.safetensors'])
      throw changed('model.safetensors');
    throw error;
  }
  await check('model.safetensors', hash?.digest('hex'));
  return new StaticModelProvider(
    `${options.name}@${fingerprint.digest('hex').slice(0, 12)}`,
    tokenizer,
    matrix,
  );
}

/** Runs a read of the model's file `name`; a failure to read it is one line naming it. */
async function reading<T>(dir: string, name: ModelFile, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ModelFormatError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFormatError(
      code === 'ENOENT' ? `${name} is missing from ${dir}` : `${name} cannot be read (${code ?? 'error'})`,
      { cause: error },
    );
  }
}

async function readModelFile(file: string, hash: Hash | undefined): Promise<Matrix> {
  const handle = await open(file, 'r');
  try {
    return await readMatrix(handle, (await handle.stat()).size, hash);
  } finally {
    await handle.close();
  }
}

function parseJson<T>(name: string, text: string, schema: z.ZodType<T>): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ModelFormatError(`${name} is not valid JSON (corrupt or truncated)`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ModelFormatError(`${name} is not a model2vec config`);
  return parsed.data;
}

/**
 * The tokenizer, built in two turns of the event loop (the JSON parse, then the tokenizer's own
 * tables), so that a tool call arriving meanwhile waits for one of them, not both. The pause is a
 * timer, not setImmediate: resumed from a file read, an immediate would run before the loop polls
 * for input again, and a request on stdin would still wait for both.
 */
async function loadTokenizer(bytes: Buffer): Promise<Tokenizer> {
  const json = parseJson(
    'tokenizer.json',
    bytes.toString('utf8'),
    z.looseObject({ model: z.looseObject({ type: z.string().optional(), vocab: z.unknown() }) }),
  );
  await sleep(0);
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(json, {});
  } catch (error) {
    throw new ModelFormatError(`tokenizer.json cannot be used: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // The tokenizer keeps the parsed JSON, but its models read the vocabulary only while they are
  // built (into a Map and an array of their own): the JSON's copy would be ~1.3 MiB kept for
  // nothing at 30,000 tokens. (The BPE model's merges stay: it uses them.)
  delete json.model.vocab;
  await sleep(0);
  return tokenizer;
}

/** The median token length, by counting (a sort of 30,000 strings would cost a start ~5 ms). */
function medianLength(tokens: readonly (string | undefined)[]): number {
  const histogram: number[] = [];
  let count = 0;
  for (let id = 0; id < tokens.length; id++) {
    const length = tokens[id]?.length;
    if (length === undefined) continue; // an id the vocabulary skips
    histogram[length] = (histogram[length] ?? 0) + 1;
    count++;
  }
  let seen = 0;
  for (let length = 0; length < histogram.length; length++) {
    seen += histogram[length] ?? 0;
    if (seen > count / 2) return Math.max(1, length);
  }
  return 1;
}

class StaticModelProvider implements StaticModel {
  readonly id: string;
  readonly dimensions: number;
  readonly vocabularySize: number;
  readonly matrixBytes: number;
  private readonly skip: Uint8Array;
  private readonly maxChars: number;

  constructor(
    /** The model's name and a fingerprint of its files. */
    name: string,
    private readonly tokenizer: Tokenizer,
    private readonly matrix: Matrix,
  ) {
    // The tokenizer's own table of tokens by id, added tokens included: get_vocab() would copy it
    // into a new Map of 30,000 entries, only to be dropped.
    const tokens = tokenizer.model.vocab;
    const tokenCount = tokens.length;
    const tableRows = matrix.mapping ? matrix.mapping.length : matrix.rowCount;
    if (tokenCount > tableRows) {
      throw new ModelFormatError(
        `tokenizer.json has ${tokenCount} tokens but model.safetensors has ${tableRows} rows: they are not from one model`,
      );
    }
    if (matrix.weights && matrix.weights.length < tokenCount) {
      throw new ModelFormatError('model.safetensors has fewer "weights" than the tokenizer has tokens');
    }
    this.dimensions = matrix.dimensions;
    this.vocabularySize = tokenCount;
    this.matrixBytes = matrixBytes(matrix);
    this.skip = new Uint8Array(tokenCount);
    for (const [id, token] of tokenizer.get_added_tokens_decoder())
      if (token.special && id < tokenCount) this.skip[id] = 1;
    const unknown = tokenizer.model?.unk_token_id;
    if (unknown !== undefined && unknown < tokenCount) this.skip[unknown] = 1;
    this.maxChars = MAX_TOKENS * medianLength(tokens);
    this.id = `local:${name}`;
  }

  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const vectors: Float32Array[] = [];
    for (let i = 0; i < texts.length; i++) {
      if (i > 0 && i % TEXTS_PER_TURN === 0) await nextTurn();
      signal?.throwIfAborted();
      vectors.push(this.embedOne(texts[i]!));
    }
    return vectors;
  }

  /** A text with no known token (empty, or only unknown symbols) gets the zero vector: it is near nothing. */
  private embedOne(text: string): Float32Array {
    const clipped = text.length > this.maxChars ? text.slice(0, this.maxChars) : text;
    const { ids } = this.tokenizer.encode(clipped, { add_special_tokens: false });
    const { rows, scales, dimensions, weights, mapping } = this.matrix;
    const sum = new Float32Array(dimensions);
    let used = 0;
    for (const id of ids) {
      if (used === MAX_TOKENS) break;
      if (id >= this.skip.length || this.skip[id]) continue;
      used++;
      const row = mapping ? mapping[id]! : id;
      const base = row * dimensions;
      // Without scales (an I8 file as model2vec writes it), its one scale for the whole matrix
      // cancels in the normalisation.
      const factor = (scales ? scales[row]! : 1) * (weights ? weights[id]! : 1);
      for (let k = 0; k < dimensions; k++) sum[k]! += rows[base + k]! * factor;
    }
    let norm = 0;
    for (let k = 0; k < dimensions; k++) norm += sum[k]! * sum[k]!;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let k = 0; k < dimensions; k++) sum[k]! *= scale;
    }
    return sum;
  }
}
