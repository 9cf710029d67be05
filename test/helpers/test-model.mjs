// A tiny Model2Vec-style model written in the real formats (a BERT WordPiece tokenizer.json, a
// safetensors file with an `embeddings` tensor, a config.json), for the tests and the bench: no
// model can be downloaded here. Words of one group (pet, dog, retriever, puppy…) get vectors close
// to one another and far from other groups; function words get short vectors, so that, as in a
// real static model, they barely move a text's mean. Deterministic: the same options write the
// same bytes. Plain .mjs (with test-model.d.mts beside it) so vitest and bench/*.mjs share it.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mulberry32 } from './mulberry32.mjs';

/** Groups of words that mean nearly the same; a paraphrase swaps words within a group. */
export const SYNONYM_GROUPS = [
  [
    'pet',
    'pets',
    'dog',
    'dogs',
    'puppy',
    'puppies',
    'retriever',
    'labrador',
    'terrier',
    'cat',
    'cats',
    'kitten',
  ],
  ['car', 'cars', 'vehicle', 'vehicles', 'automobile', 'sedan', 'truck', 'suv'],
  ['house', 'home', 'apartment', 'flat', 'residence', 'condo'],
  ['job', 'work', 'career', 'employer', 'occupation', 'profession', 'office', 'employed'],
  ['food', 'meal', 'dinner', 'lunch', 'breakfast', 'cooking', 'recipe', 'dish', 'eat', 'eats'],
  ['allergy', 'allergic', 'allergies', 'intolerance', 'intolerant', 'sensitivity'],
  ['peanut', 'peanuts', 'nuts', 'almond', 'almonds', 'cashew', 'walnuts'],
  ['travel', 'trip', 'vacation', 'holiday', 'journey', 'flight', 'visited', 'visit'],
  ['music', 'song', 'songs', 'guitar', 'piano', 'band', 'concert', 'instrument'],
  ['sport', 'sports', 'football', 'soccer', 'tennis', 'running', 'marathon', 'exercise', 'hobby'],
  ['doctor', 'physician', 'hospital', 'clinic', 'medical', 'nurse', 'dentist'],
  ['sick', 'ill', 'illness', 'flu', 'fever', 'unwell', 'cold'],
  ['money', 'salary', 'income', 'pay', 'budget', 'savings', 'wage'],
  ['buy', 'bought', 'purchase', 'purchased', 'acquired', 'ordered'],
  ['like', 'love', 'loves', 'enjoy', 'enjoys', 'fond', 'favorite', 'favourite', 'prefer', 'prefers'],
  ['hate', 'hates', 'dislike', 'dislikes', 'despise', 'avoid', 'avoids'],
  ['child', 'children', 'kid', 'kids', 'son', 'daughter', 'baby'],
  ['wife', 'husband', 'spouse', 'partner', 'married', 'marriage'],
  ['birthday', 'anniversary', 'celebration', 'party', 'celebrate'],
  ['book', 'books', 'novel', 'novels', 'reading', 'read', 'author'],
  ['language', 'languages', 'spanish', 'french', 'german', 'fluent', 'speaks'],
  ['computer', 'laptop', 'pc', 'macbook', 'desktop', 'notebook'],
  ['bug', 'error', 'crash', 'failure', 'exception', 'fault', 'broken', 'broke', 'failed'],
  ['database', 'sqlite', 'postgres', 'sql', 'storage', 'db'],
  ['meeting', 'meetings', 'call', 'standup', 'appointment', 'sync'],
  ['adopt', 'adopted', 'adoption', 'rescued', 'rescue'],
  ['spring', 'summer', 'autumn', 'winter', 'season'],
  ['city', 'town', 'london', 'paris', 'berlin', 'tokyo'],
  ['move', 'moved', 'relocate', 'relocated', 'moving'],
  ['deadline', 'due', 'schedule', 'timeline', 'date'],
];

/** Words so frequent they say little: short vectors, as Model2Vec's frequency weighting gives them. */
export const FUNCTION_WORDS = (
  'the a an we i my our you your user does do did what which is are was were have has had of to in on ' +
  'for and or with at by from it that this be me he she they their his her about when where how who why ' +
  'not no so as but if than then there some any all can will would should could been being its them us ' +
  'last got get one new down up out very just also'
).split(' ');

const SPECIAL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const LETTERS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];
const SYLLABLES =
  'ba be bi bo bu ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo vu za ze zi zo zu'.split(
    ' ',
  );

function gaussianVector(next, dimensions) {
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    // Box–Muller
    vector[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  }
  return vector;
}

function scaled(vector, length) {
  let norm = 0;
  for (const value of vector) norm += value * value;
  const factor = length / (Math.sqrt(norm) || 1);
  return vector.map((value) => value * factor);
}

/** Filler words up to the asked vocabulary size: pronounceable, distinct, in no group. */
function* fillerWords(taken) {
  for (let n = 0; ; n++) {
    let word = '';
    let rest = n;
    do {
      word += SYLLABLES[rest % SYLLABLES.length];
      rest = Math.floor(rest / SYLLABLES.length);
    } while (rest > 0);
    word += 'x';
    if (!taken.has(word)) yield word;
  }
}

/** The vocabulary in id order, with the vector length and group of each entry. */
function vocabulary(vocabSize, extraWords) {
  const entries = [];
  const taken = new Set();
  const add = (token, kind, group) => {
    if (taken.has(token)) return;
    taken.add(token);
    entries.push({ token, kind, group });
  };
  for (const token of SPECIAL) add(token, 'special');
  for (const token of PUNCTUATION) add(token, 'piece');
  for (const letter of LETTERS) add(letter, 'piece');
  for (const letter of LETTERS) add(`##${letter}`, 'piece');
  SYNONYM_GROUPS.forEach((words, group) => {
    for (const word of words) add(word, 'synonym', group);
  });
  for (const word of FUNCTION_WORDS) add(word, 'function');
  for (const word of extraWords) add(word.toLowerCase(), 'word');
  const fill = fillerWords(taken);
  while (entries.length < vocabSize) add(fill.next().value, 'word');
  return entries;
}

function vectors(entries, dimensions, seed) {
  const next = mulberry32(seed);
  const centroids = SYNONYM_GROUPS.map(() => scaled(gaussianVector(next, dimensions), 1));
  return entries.map((entry) => {
    switch (entry.kind) {
      case 'special':
        return new Float32Array(dimensions);
      case 'synonym': {
        const noise = scaled(gaussianVector(next, dimensions), 0.35);
        return scaled(
          centroids[entry.group].map((value, i) => value + noise[i]),
          1,
        );
      }
      case 'function':
        return scaled(gaussianVector(next, dimensions), 0.05);
      case 'piece':
        return scaled(gaussianVector(next, dimensions), 0.15);
      default:
        return scaled(gaussianVector(next, dimensions), 1);
    }
  });
}

// IEEE 754 half precision, round to nearest even (subnormals kept, no NaN payloads needed here).
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function toHalf(value) {
  f32[0] = value;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - exponent;
    const half = full >>> shift;
    const remainder = full & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    return sign | (remainder > midpoint || (remainder === midpoint && half & 1) ? half + 1 : half);
  }
  const half = (exponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  return sign | (remainder > 0x1000 || (remainder === 0x1000 && half & 1) ? half + 1 : half);
}

function tensorBytes(rows, dimensions, dtype) {
  const values = new Float32Array(rows.length * dimensions);
  for (const [i, row] of rows.entries()) values.set(row, i * dimensions);
  if (dtype === 'float32') return Buffer.from(values.buffer);
  if (dtype === 'float16') return Buffer.from(Uint16Array.from(values, toHalf).buffer);
  // Model2Vec's int8: one scale for the whole matrix (max |x| / 127), rounded, and not stored —
  // a common factor changes no direction, and the mean is normalised anyway.
  let largest = 0;
  for (const value of values) largest = Math.max(largest, Math.abs(value));
  const scale = largest / 127 || 1;
  return Buffer.from(
    Int8Array.from(values, (value) => Math.max(-127, Math.min(127, Math.round(value / scale)))).buffer,
  );
}

const DTYPE_TAG = { float32: 'F32', float16: 'F16', int8: 'I8' };

/**
 * The safetensors file. With `mapped`, laid out as model2vec's vocabulary quantisation stores a
 * model: rows in another order reached through a `mapping` tensor (I64), each divided by a
 * per-token `weights` entry (F32) that encoding multiplies back — the same vectors, by another path.
 */
function safetensors(rows, dimensions, dtype, mapped) {
  const tensors = [];
  if (mapped) {
    const count = rows.length;
    const weights = Float32Array.from({ length: count }, (_, id) => 0.5 + (id % 4) / 2);
    const stored = rows.map((_, row) =>
      rows[count - 1 - row].map((value) => value / weights[count - 1 - row]),
    );
    tensors.push(['embeddings', dtype, [count, dimensions], tensorBytes(stored, dimensions, dtype)]);
    tensors.push([
      'mapping',
      'I64',
      [count],
      Buffer.from(BigInt64Array.from({ length: count }, (_, id) => BigInt(count - 1 - id)).buffer),
    ]);
    tensors.push(['weights', 'F32', [count], Buffer.from(weights.buffer)]);
  } else {
    tensors.push(['embeddings', dtype, [rows.length, dimensions], tensorBytes(rows, dimensions, dtype)]);
  }
  const header = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, type, shape, data] of tensors) {
    header[name] = { dtype: DTYPE_TAG[type] ?? type, shape, data_offsets: [offset, offset + data.length] };
    offset += data.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((tensor) => tensor[3])]);
}

function tokenizerJson(entries) {
  const vocab = Object.fromEntries(entries.map((entry, id) => [entry.token, id]));
  const id = (token) => vocab[token];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

/**
 * The model's three files as bytes.
 * @param {import('./test-model.d.mts').TestModelOptions} [options]
 */
export function buildTestModel({
  dimensions = 64,
  vocabSize = 0,
  dtype = 'float32',
  seed = 1,
  extraWords = [],
  mapped = false,
} = {}) {
  const entries = vocabulary(vocabSize, extraWords);
  const rows = vectors(entries, dimensions, seed);
  const files = {
    'config.json': Buffer.from(
      JSON.stringify(
        {
          model_type: 'model2vec',
          architectures: ['StaticModel'],
          hidden_dim: dimensions,
          normalize: true,
          embedding_dtype: dtype,
        },
        null,
        2,
      ),
    ),
    'tokenizer.json': Buffer.from(JSON.stringify(tokenizerJson(entries))),
    'model.safetensors': safetensors(rows, dimensions, dtype, mapped),
  };
  return { files, dimensions, vocabSize: entries.length };
}

/**
 * Writes the model into `dir` (created if missing); returns each file's sha256 and size.
 * @param {string} dir
 * @param {import('./test-model.d.mts').TestModelOptions} [options]
 */
export async function writeTestModel(dir, options) {
  const model = buildTestModel(options);
  await mkdir(dir, { recursive: true });
  const digests = {};
  for (const [name, bytes] of Object.entries(model.files)) {
    await writeFile(path.join(dir, name), bytes);
    digests[name] = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }
  return { dir, dimensions: model.dimensions, vocabSize: model.vocabSize, digests };
}
