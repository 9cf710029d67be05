/**
 * The loader holds a model's matrix as int8 with a scale per row (src/embeddings/model-matrix.ts).
 * Here its vectors are set against ones computed in full precision, straight from the file's
 * float values by this test's own encoder (the same tokenizer library, mean, L2 norm), on the
 * texts of the search tests' corpora, at the bench's size: 256 dimensions, 30,000 rows.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStaticModel } from '../../src/embeddings/static-model.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { writeTestModel } from '../helpers/test-model.mjs';
import { CORPUS, QUESTIONS } from '../search/conversation-corpus.js';
import { DIALOG_CORPUS, DIALOG_QUESTIONS } from '../search/dialog-corpus.js';

const TEXTS = [
  ...CORPUS.map((memory) => `${memory.title}\n${memory.content}`),
  ...QUESTIONS.map((question) => question.question),
  ...DIALOG_CORPUS.map((memory) => memory.content),
  ...DIALOG_QUESTIONS.map((question) => question.question),
];
// The corpora's words are in the vocabulary, as a real model's would be.
const WORDS = [
  ...new Set(
    TEXTS.join(' ')
      .toLowerCase()
      .match(/[a-z]+/g),
  ),
];
const DIMENSIONS = 256;

let dir: string;
beforeAll(async () => {
  dir = await makeTempDir('memoram-precision-');
});
afterAll(async () => {
  await removeTempDir(dir);
});

/** The file's matrix as F32 values, whatever it stores (the test model writes F32 or F16). */
async function fileMatrix(folder: string): Promise<{ values: Float32Array; begin: number; bytes: Buffer }> {
  const bytes = await readFile(path.join(folder, 'model.safetensors'));
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  const { dtype, data_offsets: offsets } = header.embeddings;
  const begin = 8 + headerLength + offsets[0];
  const data = bytes.buffer.slice(bytes.byteOffset + begin, bytes.byteOffset + 8 + headerLength + offsets[1]);
  if (dtype === 'F32') return { values: new Float32Array(data), begin, bytes };
  const halves = new Uint16Array(data);
  const values = new Float32Array(halves.length);
  for (let i = 0; i < halves.length; i++) {
    const half = halves[i]!;
    const exponent = (half >> 10) & 0x1f;
    const fraction = half & 0x3ff;
    const magnitude = exponent === 0 ? fraction * 2 ** -24 : (1 + fraction / 1024) * 2 ** (exponent - 15);
    values[i] = half & 0x8000 ? -magnitude : magnitude;
  }
  return { values, begin, bytes };
}

/** Model2Vec's encode in full precision: mean of the tokens' rows (special, unknown left out), normalised. */
async function referenceEncoder(folder: string): Promise<(text: string) => Float32Array> {
  const json = JSON.parse(await readFile(path.join(folder, 'tokenizer.json'), 'utf8'));
  const tokenizer = new Tokenizer(json, {});
  const left = new Set<number>(
    json.added_tokens.filter((token: { special: boolean }) => token.special).map((t: { id: number }) => t.id),
  );
  left.add(json.model.vocab[json.model.unk_token]);
  const { values } = await fileMatrix(folder);
  return (text) => {
    const sum = new Float64Array(DIMENSIONS);
    for (const id of tokenizer.encode(text, { add_special_tokens: false }).ids) {
      if (left.has(id)) continue;
      for (let k = 0; k < DIMENSIONS; k++) sum[k]! += values[id * DIMENSIONS + k]!;
    }
    const norm = Math.hypot(...sum) || 1;
    return Float32Array.from(sum, (value) => value / norm);
  };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

async function agreement(folder: string): Promise<{ lowest: number; mean: number }> {
  const reference = await referenceEncoder(folder);
  const model = await loadStaticModel(folder, { name: 'precision' });
  const vectors = await model.embed(TEXTS);
  const cosines = vectors.map((vector, i) => cosine(vector, reference(TEXTS[i]!)));
  return {
    lowest: Math.min(...cosines),
    mean: cosines.reduce((sum, value) => sum + value, 0) / cosines.length,
  };
}

describe('the int8 matrix held in memory', () => {
  it('gives the F32 vectors of real texts to a cosine of at least 0.999', async () => {
    const folder = path.join(dir, 'f32');
    await writeTestModel(folder, { dimensions: DIMENSIONS, vocabSize: 30_000, extraWords: WORDS });
    const { lowest, mean } = await agreement(folder);
    expect(TEXTS.length).toBeGreaterThan(300);
    expect(lowest).toBeGreaterThanOrEqual(0.999);
    expect(mean).toBeGreaterThan(0.9999);
  }, 60_000);

  it('keeps that agreement on rows shaped like a real model (uneven dimensions, outliers)', async () => {
    // A static model's dimensions come from PCA: variance falls from the first to the last, and
    // some rows have a value far from the rest. One scale per row must cope with both.
    const folder = path.join(dir, 'uneven');
    await writeTestModel(folder, { dimensions: DIMENSIONS, vocabSize: 30_000, extraWords: WORDS });
    const { values, begin, bytes } = await fileMatrix(folder);
    for (let row = 0; row < values.length / DIMENSIONS; row++) {
      for (let k = 0; k < DIMENSIONS; k++) values[row * DIMENSIONS + k]! *= 1 / Math.sqrt(1 + k / 4);
      if (row % 50 === 0) values[row * DIMENSIONS + (row % DIMENSIONS)]! *= 12;
    }
    Buffer.from(values.buffer).copy(bytes, begin);
    await writeFile(path.join(folder, 'model.safetensors'), bytes);
    const { lowest } = await agreement(folder);
    expect(lowest).toBeGreaterThanOrEqual(0.999);
  }, 60_000);

  it('gives an F16 file its own vectors to a cosine of at least 0.999', async () => {
    const folder = path.join(dir, 'f16');
    await writeTestModel(folder, {
      dimensions: DIMENSIONS,
      vocabSize: 30_000,
      extraWords: WORDS,
      dtype: 'float16',
    });
    const { lowest } = await agreement(folder);
    expect(lowest).toBeGreaterThanOrEqual(0.999);
  }, 60_000);
});
