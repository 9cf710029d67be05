export interface TestModelOptions {
  /** Vector length (default 64; the bench uses 256). */
  dimensions?: number;
  /** At least this many vocabulary rows, filled with words in no group (default: the base words only, ~500). */
  vocabSize?: number;
  /** How the `embeddings` tensor is stored (default float32). */
  dtype?: 'float32' | 'float16' | 'int8';
  seed?: number;
  /** More words to give vectors of their own (e.g. a corpus's vocabulary), in no group. */
  extraWords?: readonly string[];
  /** Store the matrix as model2vec's vocabulary quantisation does: `mapping` and `weights` tensors. */
  mapped?: boolean;
}

export type ModelFileName = 'config.json' | 'tokenizer.json' | 'model.safetensors';

export interface BuiltTestModel {
  files: Record<ModelFileName, Buffer>;
  dimensions: number;
  vocabSize: number;
}

export interface WrittenTestModel {
  dir: string;
  dimensions: number;
  vocabSize: number;
  digests: Record<ModelFileName, { sha256: string; size: number }>;
}

export const SYNONYM_GROUPS: readonly (readonly string[])[];
export const FUNCTION_WORDS: readonly string[];
export function buildTestModel(options?: TestModelOptions): BuiltTestModel;
export function writeTestModel(dir: string, options?: TestModelOptions): Promise<WrittenTestModel>;
