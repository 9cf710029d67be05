import { readFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../src/embeddings/errors.js';
import { loadStaticModel } from '../../src/embeddings/static-model.js';
import { makeTempDir, removeTempDir } from '../helpers/temp-dir.js';
import { writeTestModel } from '../helpers/test-model.mjs';

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot;
}

function norm(a: Float32Array): number {
  return Math.sqrt(cosine(a, a));
}

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir('memoram-model-');
});
afterEach(async () => {
  await removeTempDir(dir);
});

describe('the local static model', () => {
  for (const dtype of ['float32', 'float16', 'int8'] as const) {
    it(`puts paraphrases close and unrelated texts far (${dtype})`, async () => {
      const written = await writeTestModel(dir, { dimensions: 64, dtype });
      const model = await loadStaticModel(dir, { name: 'test-model' });
      expect(model.dimensions).toBe(64);
      const [question, answer, paraphrase, car, unrelated] = await model.embed([
        'What pet does the user have?',
        'We adopted a golden retriever last spring.',
        'The user loves dogs and puppies',
        'My car broke down',
        'The quarterly database migration failed with an error',
      ]);
      for (const vector of [question!, answer!, paraphrase!, car!, unrelated!]) {
        expect(vector).toHaveLength(64);
        expect(norm(vector)).toBeCloseTo(1, 5);
      }
      // No content word shared, yet the pet question is nearer its answer than anything else.
      expect(cosine(question!, answer!)).toBeGreaterThan(0.4);
      expect(cosine(question!, paraphrase!)).toBeGreaterThan(0.6);
      expect(cosine(question!, car!)).toBeLessThan(0.2);
      expect(cosine(question!, unrelated!)).toBeLessThan(0.2);
      expect(cosine(await one(model, 'my vehicle has a fault'), car!)).toBeGreaterThan(0.6);
      expect(written.vocabSize).toBeGreaterThan(300);
    });
  }

  it('holds every float matrix as int8 with one scale per row, and an I8 one as it is', async () => {
    for (const dtype of ['float32', 'float16'] as const) {
      await writeTestModel(dir, { dimensions: 32, vocabSize: 2000, dtype });
      const model = await loadStaticModel(dir, { name: dtype });
      expect(model.matrixBytes).toBe(2000 * 32 + 2000 * 4);
    }
    await writeTestModel(dir, { dimensions: 32, vocabSize: 2000, dtype: 'int8' });
    const i8 = await loadStaticModel(dir, { name: 'i8' });
    expect(i8.matrixBytes).toBe(2000 * 32);
  });

  it('gives the same direction whatever the dtype of the file', async () => {
    const text = 'We adopted a golden retriever last spring.';
    const vectors: Float32Array[] = [];
    for (const dtype of ['float32', 'float16', 'int8'] as const) {
      await writeTestModel(dir, { dimensions: 64, dtype });
      vectors.push(await one(await loadStaticModel(dir, { name: dtype }), text));
    }
    expect(cosine(vectors[0]!, vectors[1]!)).toBeGreaterThan(0.9999);
    expect(cosine(vectors[0]!, vectors[2]!)).toBeGreaterThan(0.999);
  });

  it('refuses a matrix holding a value that is not finite, naming its row', async () => {
    await writeTestModel(dir, { dimensions: 16, vocabSize: 1000 });
    const file = path.join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    const dataStart = 8 + Number(bytes.readBigUInt64LE(0));
    for (const [value, row] of [
      [Number.NaN, 700],
      [Number.POSITIVE_INFINITY, 3],
    ] as const) {
      const changed = Buffer.from(bytes);
      changed.writeFloatLE(value, dataStart + (row * 16 + 5) * 4);
      await writeFile(file, changed);
      await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
        `model.safetensors has a value that is not finite in row ${row}`,
      );
    }
  });

  it("refuses model2vec's weights holding a value that is not finite, and a mapping past the rows in any width", async () => {
    await writeTestModel(dir, { dimensions: 16, mapped: true });
    const file = path.join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    const headerBytes = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerBytes).toString()) as Record<
      string,
      { data_offsets: [number, number] }
    >;
    const at = (name: string) => 8 + headerBytes + header[name]!.data_offsets[0];
    const nan = Buffer.from(bytes);
    nan.writeFloatLE(Number.NaN, at('weights') + 5 * 4);
    await writeFile(file, nan);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      'model.safetensors has a "weights" value that is not finite',
    );
    // An I64 row number 2^32 + 3 is not row 3.
    const wide = Buffer.from(bytes);
    wide.writeBigInt64LE(2n ** 32n + 3n, at('mapping') + 7 * 8);
    await writeFile(file, wide);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      'model.safetensors has a "mapping" pointing past the embeddings',
    );
  });

  it("follows model2vec's mapping and weights tensors to the same vectors", async () => {
    const texts = ['We adopted a golden retriever last spring.', 'my vehicle has a fault'];
    await writeTestModel(dir, { dimensions: 32 });
    const plain = await (await loadStaticModel(dir, { name: 'plain' })).embed(texts);
    await writeTestModel(dir, { dimensions: 32, mapped: true });
    const mapped = await loadStaticModel(dir, { name: 'mapped' });
    const vectors = await mapped.embed(texts);
    expect(cosine(vectors[0]!, plain[0]!)).toBeGreaterThan(0.99999);
    expect(cosine(vectors[1]!, plain[1]!)).toBeGreaterThan(0.99999);
    // Each row is stored divided by its weight (0.5 to 2), so only the weights make them equal.
    // The matrix (int8) and its scales, the mapping (held as I32) and the weights (F32):
    expect(mapped.matrixBytes).toBe(mapped.vocabularySize * (32 + 4 + 4 + 4));
  });

  it('leaves special and unknown tokens out of the mean', async () => {
    await writeTestModel(dir);
    const model = await loadStaticModel(dir, { name: 'test-model' });
    const plain = await one(model, 'dog');
    // [CLS]/[SEP] written in the text are special tokens, and ☃ is unknown to the vocabulary.
    expect(cosine(plain, await one(model, '[CLS] dog [SEP] ☃'))).toBeCloseTo(1, 5);
    expect(norm(await one(model, ''))).toBe(0);
    expect(norm(await one(model, '☃☃'))).toBe(0);
  });

  it('names the model and its content in its id', async () => {
    await writeTestModel(dir, { seed: 1 });
    const first = await loadStaticModel(dir, { name: 'test-model' });
    await writeTestModel(dir, { seed: 2 });
    const second = await loadStaticModel(dir, { name: 'test-model' });
    expect(first.id).toMatch(/^local:test-model@[0-9a-f]{12}$/);
    expect(second.id).not.toBe(first.id);
  });

  it('reports a truncated model file by name', async () => {
    await writeTestModel(dir);
    const file = path.join(dir, 'model.safetensors');
    const size = (await readFile(file)).length;
    await truncate(file, size - 100);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      /^model\.safetensors is truncated \(tensor "embeddings" ends past the end of the file\)$/,
    );
    await truncate(file, 4);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(/model\.safetensors is truncated/);
  });

  it('reports a corrupt header, a corrupt tokenizer and a missing file', async () => {
    await writeTestModel(dir);
    const file = path.join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    bytes.write('{"embeddings": garbage', 8);
    await writeFile(file, bytes);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(ModelFormatError);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      'model.safetensors has a header that is not JSON',
    );

    await writeTestModel(dir);
    const tokenizer = path.join(dir, 'tokenizer.json');
    await writeFile(tokenizer, (await readFile(tokenizer)).subarray(0, 1000));
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      'tokenizer.json is not valid JSON (corrupt or truncated)',
    );

    await writeTestModel(dir);
    await writeFile(path.join(dir, 'config.json'), '');
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow('config.json is not valid JSON');
    await expect(loadStaticModel(path.join(dir, 'nowhere'), { name: 'm' })).rejects.toThrow(
      /config\.json is missing from/,
    );
  });

  it('refuses a tokenizer and a matrix from different models', async () => {
    await writeTestModel(dir, { vocabSize: 3000 });
    const bigTokenizer = await readFile(path.join(dir, 'tokenizer.json'));
    await writeTestModel(dir);
    await writeFile(path.join(dir, 'tokenizer.json'), bigTokenizer);
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow(
      /tokenizer\.json has 3000 tokens but model\.safetensors has \d+ rows/,
    );
  });

  it('notices a file that changed since it was verified', async () => {
    const written = await writeTestModel(dir);
    const expected = {
      'config.json': written.digests['config.json'].sha256,
      'tokenizer.json': written.digests['tokenizer.json'].sha256,
      'model.safetensors': written.digests['model.safetensors'].sha256,
    };
    await expect(loadStaticModel(dir, { name: 'm', expected })).resolves.toBeDefined();
    const file = path.join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 1;
    await writeFile(file, bytes);
    await expect(loadStaticModel(dir, { name: 'm', expected })).rejects.toThrow(
      /model\.safetensors in .* has changed since it was downloaded and verified/,
    );
    // A change that also breaks the format is still told as a change, the file being read once.
    bytes.write('{"embeddings": garbage', 8);
    await writeFile(file, bytes);
    await expect(loadStaticModel(dir, { name: 'm', expected })).rejects.toThrow(
      /model\.safetensors in .* has changed since it was downloaded and verified/,
    );
    await expect(loadStaticModel(dir, { name: 'm' })).rejects.toThrow('has a header that is not JSON');
    await writeTestModel(dir);
    const tokenizer = path.join(dir, 'tokenizer.json');
    await writeFile(tokenizer, (await readFile(tokenizer)).subarray(0, 1000));
    await expect(loadStaticModel(dir, { name: 'm', expected })).rejects.toThrow(
      /tokenizer\.json in .* has changed since it was downloaded and verified/,
    );
  });
});

async function one(
  model: { embed(texts: string[]): Promise<Float32Array[]> },
  text: string,
): Promise<Float32Array> {
  return (await model.embed([text]))[0]!;
}
