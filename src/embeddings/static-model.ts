/**
 * A Model2Vec-style static model run in this process: the model's own tokenizer.json (through
 * @huggingface/tokenizers) turns a text into token ids, each id picks one row of the `embeddings`
 * tensor of model.safetensors, and the text's vector is the mean of those rows, L2-normalised —
 * as model2vec's `StaticModel.encode` does, including its optional per-token `weights` and
 * vocabulary-quantisation `mapping` tensors, its 512-token cut, and leaving out the unknown and
 * special tokens. The matrix is held as stored (F16 and I8 are never widened to F32: a row is
 * widened only while it is summed), so a model's resident size is its file's.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { ModelFormatError } from './errors.js';
import type { EmbeddingProvider } from './provider.js';
import { type Dtype, readSafetensorsHeader, readTensorBytes, type TensorInfo } from './safetensors.js';

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

type Rows =
  | { kind: 'f32'; data: Float32Array }
  | { kind: 'f16'; data: Uint16Array; table: Float32Array }
  | { kind: 'i8'; data: Int8Array };

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Loads the model in `dir`; a missing, corrupt or tampered file is a ModelFormatError naming it. */
export async function loadStaticModel(dir: string, options: LoadOptions): Promise<StaticModel> {
  const fingerprint = createHash('sha256');
  for (const name of MODEL_FILES) {
    const file = path.join(dir, name);
    try {
      // A downloaded model is checked against its recorded digests (a cache can be tampered with);
      // a folder the user named is theirs, and hashing 30 MB would only slow every start: its
      // files' sizes and times tell a replaced model apart.
      if (options.expected) {
        const digest = await sha256File(file);
        if (options.expected[name] !== digest) {
          throw new ModelFormatError(
            `${name} in ${dir} has changed since it was downloaded and verified (its sha256 differs)`,
          );
        }
        fingerprint.update(`${name}:${digest}\n`);
      } else {
        const { size, mtimeMs } = await stat(file);
        fingerprint.update(`${name}:${size}:${mtimeMs}\n`);
      }
    } catch (error) {
      if (error instanceof ModelFormatError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new ModelFormatError(
        code === 'ENOENT' ? `${name} is missing from ${dir}` : `${name} cannot be read (${code ?? 'error'})`,
        { cause: error },
      );
    }
  }
  parseJson('config.json', await readFile(path.join(dir, 'config.json'), 'utf8'), ConfigSchema);
  const tokenizer = loadTokenizer(await readFile(path.join(dir, 'tokenizer.json'), 'utf8'));
  const tensors = await readTensors(path.join(dir, 'model.safetensors'));
  return new StaticModelProvider(
    `${options.name}@${fingerprint.digest('hex').slice(0, 12)}`,
    tokenizer,
    tensors,
  );
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

function loadTokenizer(text: string): Tokenizer {
  const json = parseJson(
    'tokenizer.json',
    text,
    z.looseObject({ model: z.looseObject({ type: z.string().optional() }) }),
  );
  try {
    return new Tokenizer(json, {});
  } catch (error) {
    throw new ModelFormatError(`tokenizer.json cannot be used: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

interface Tensors {
  rows: Rows;
  rowCount: number;
  dimensions: number;
  weights: Float32Array | undefined;
  mapping: Int32Array | undefined;
}

async function readTensors(file: string): Promise<Tensors> {
  const handle = await open(file, 'r');
  try {
    const header = await readSafetensorsHeader(handle, (await stat(file)).size);
    // model2vec's own layout names the matrix `embeddings`; sentence-transformers' StaticEmbedding
    // names it `embedding.weight`.
    const matrix = header.get('embeddings') ?? header.get('embedding.weight');
    if (matrix?.shape.length !== 2) {
      throw new ModelFormatError('model.safetensors has no 2-D "embeddings" tensor');
    }
    const [rowCount, dimensions] = matrix.shape as [number, number];
    if (rowCount === 0 || dimensions === 0)
      throw new ModelFormatError('model.safetensors has an empty "embeddings" tensor');
    const rows = toRows(matrix.dtype, await readTensorBytes(handle, matrix));
    const weightsInfo = header.get('weights');
    const mappingInfo = header.get('mapping');
    const weights = weightsInfo
      ? toFloat32(weightsInfo, await readTensorBytes(handle, weightsInfo))
      : undefined;
    const mapping = mappingInfo
      ? toInt32(mappingInfo, await readTensorBytes(handle, mappingInfo))
      : undefined;
    if (mapping?.some((row) => row < 0 || row >= rowCount)) {
      throw new ModelFormatError('model.safetensors has a "mapping" pointing past the embeddings');
    }
    return { rows, rowCount, dimensions, weights, mapping };
  } finally {
    await handle.close();
  }
}

/** Every F16 bit pattern's value, built by moving its bits into F32's layout (IEEE 754). */
function halfTable(): Float32Array {
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let half = 0; half < 65536; half++) {
    const sign = (half & 0x8000) << 16;
    const exponent = (half >> 10) & 0x1f;
    const fraction = half & 0x3ff;
    if (exponent === 0)
      table[half] = (sign ? -1 : 1) * fraction * 2 ** -24; // zero and subnormals
    else if (exponent === 31)
      bits[half] = sign | 0x7f800000 | (fraction << 13); // infinities, NaN
    else bits[half] = sign | ((exponent + 112) << 23) | (fraction << 13);
  }
  return table;
}

function toRows(dtype: Dtype, bytes: Buffer): Rows {
  const buffer = bytes.buffer as ArrayBuffer;
  switch (dtype) {
    case 'F16':
      return {
        kind: 'f16',
        data: new Uint16Array(buffer, bytes.byteOffset, bytes.length / 2),
        table: halfTable(),
      };
    case 'I8':
      return { kind: 'i8', data: new Int8Array(buffer, bytes.byteOffset, bytes.length) };
    case 'F32':
      return { kind: 'f32', data: new Float32Array(buffer, bytes.byteOffset, bytes.length / 4) };
    case 'F64':
      return {
        kind: 'f32',
        data: Float32Array.from(new Float64Array(buffer, bytes.byteOffset, bytes.length / 8)),
      };
    default:
      throw new ModelFormatError(
        `model.safetensors stores "embeddings" as ${dtype}; F32, F16 or I8 is needed`,
      );
  }
}

function toFloat32(info: TensorInfo, bytes: Buffer): Float32Array {
  const buffer = bytes.buffer as ArrayBuffer;
  if (info.dtype === 'F32') return new Float32Array(buffer, bytes.byteOffset, bytes.length / 4);
  if (info.dtype === 'F64')
    return Float32Array.from(new Float64Array(buffer, bytes.byteOffset, bytes.length / 8));
  if (info.dtype === 'F16') {
    const table = halfTable();
    return Float32Array.from(
      new Uint16Array(buffer, bytes.byteOffset, bytes.length / 2),
      (bits) => table[bits]!,
    );
  }
  throw new ModelFormatError(`model.safetensors stores "weights" as ${info.dtype}; a float type is needed`);
}

function toInt32(info: TensorInfo, bytes: Buffer): Int32Array {
  const buffer = bytes.buffer as ArrayBuffer;
  if (info.dtype === 'I32') return new Int32Array(buffer, bytes.byteOffset, bytes.length / 4);
  if (info.dtype === 'I64') {
    return Int32Array.from(new BigInt64Array(buffer, bytes.byteOffset, bytes.length / 8), (value) =>
      Number(value),
    );
  }
  throw new ModelFormatError(
    `model.safetensors stores "mapping" as ${info.dtype}; an integer type is needed`,
  );
}

/** The median token length, by counting (a sort of 30,000 strings would cost a start ~5 ms). */
function medianLength(tokens: Iterable<string>, count: number): number {
  const histogram: number[] = [];
  for (const token of tokens) histogram[token.length] = (histogram[token.length] ?? 0) + 1;
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
    private readonly tensors: Tensors,
  ) {
    const vocabulary = tokenizer.get_vocab(true);
    const tokenCount = Math.max(...vocabulary.values()) + 1;
    const tableRows = tensors.mapping ? tensors.mapping.length : tensors.rowCount;
    if (tokenCount > tableRows) {
      throw new ModelFormatError(
        `tokenizer.json has ${tokenCount} tokens but model.safetensors has ${tableRows} rows: they are not from one model`,
      );
    }
    if (tensors.weights && tensors.weights.length < tokenCount) {
      throw new ModelFormatError('model.safetensors has fewer "weights" than the tokenizer has tokens');
    }
    this.dimensions = tensors.dimensions;
    this.vocabularySize = tokenCount;
    this.matrixBytes =
      tensors.rows.data.byteLength + (tensors.weights?.byteLength ?? 0) + (tensors.mapping?.byteLength ?? 0);
    this.skip = new Uint8Array(tokenCount);
    for (const [id, token] of tokenizer.get_added_tokens_decoder())
      if (token.special && id < tokenCount) this.skip[id] = 1;
    const unknown = tokenizer.model?.unk_token_id;
    if (unknown !== undefined && unknown < tokenCount) this.skip[unknown] = 1;
    this.maxChars = MAX_TOKENS * medianLength(vocabulary.keys(), vocabulary.size);
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
    const { rows, dimensions, weights, mapping } = this.tensors;
    const sum = new Float32Array(dimensions);
    let used = 0;
    for (const id of ids) {
      if (used === MAX_TOKENS) break;
      if (id >= this.skip.length || this.skip[id]) continue;
      used++;
      const base = (mapping ? mapping[id]! : id) * dimensions;
      const weight = weights ? weights[id]! : 1;
      if (rows.kind === 'f16') {
        const { data, table } = rows;
        for (let k = 0; k < dimensions; k++) sum[k]! += table[data[base + k]!]! * weight;
      } else {
        // F32 and I8 alike: I8's one scale for the whole matrix cancels in the normalisation.
        const { data } = rows;
        for (let k = 0; k < dimensions; k++) sum[k]! += data[base + k]! * weight;
      }
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
