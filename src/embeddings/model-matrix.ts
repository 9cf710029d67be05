/**
 * The tensors of model.safetensors, read once, front to back, in blocks of about 1 MiB, and held
 * compactly: the `embeddings` matrix as int8 with one scale per row, whatever float type the file
 * stores (F32, F16 or F64; an I8 file is kept as it is). A text's vector is a mean of rows, then
 * normalised, so what counts is each row's direction: one scale per row (its largest magnitude
 * over 127) keeps it within 1/254 of that row's largest value, a cosine of about 0.99998 to the
 * F32 row, in a quarter of F32's memory. The file's bytes are never all in memory at once, and a
 * block is converted between two reads, so no turn of the event loop holds more than one block's
 * work. With a digest to check, the same pass hashes every byte: the file is read only once.
 */
import type { Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { ModelFormatError } from './errors.js';
import { type Dtype, dtypeBytes, readSafetensorsHeader, type TensorInfo } from './safetensors.js';

const BLOCK_BYTES = 1024 * 1024;

export interface Matrix {
  /** Row r is rows[r × dimensions …]; its values times scales[r] (1 without scales) are the model's. */
  rows: Int8Array;
  scales: Float32Array | undefined;
  rowCount: number;
  dimensions: number;
  /** model2vec's per-token weights, and its vocabulary quantisation's token → row mapping. */
  weights: Float32Array | undefined;
  mapping: Int32Array | undefined;
}

/** Bytes held by the matrix and the per-token tables. */
export function matrixBytes(matrix: Matrix): number {
  return (
    matrix.rows.byteLength +
    (matrix.scales?.byteLength ?? 0) +
    (matrix.weights?.byteLength ?? 0) +
    (matrix.mapping?.byteLength ?? 0)
  );
}

/** Reads the file's bytes in order, hashing every one of them when asked to. */
class SequentialReader {
  position = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly hash: Hash | undefined,
  ) {}

  /** The next `length` bytes, into the start of `into`. */
  async read(into: Buffer, length: number): Promise<Buffer> {
    const start = this.position;
    this.position += length;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(into, done, length - done, start + done);
      if (bytesRead === 0)
        throw new ModelFormatError('model.safetensors is truncated (it shrank while being read)');
      done += bytesRead;
    }
    const bytes = into.subarray(0, length);
    this.hash?.update(bytes);
    return bytes;
  }

  /** On to `position`: the bytes passed over are read only if they must be hashed. */
  async skipTo(position: number, scratch: Buffer): Promise<void> {
    if (position < this.position) throw new ModelFormatError('model.safetensors has overlapping tensors');
    while (this.hash && this.position < position)
      await this.read(scratch, Math.min(scratch.length, position - this.position));
    this.position = position;
  }
}

/**
 * Reads the model's tensors from an open model.safetensors of `size` bytes; with `hash`, every byte
 * of the file goes through it (the caller compares the digest).
 */
export async function readMatrix(handle: FileHandle, size: number, hash?: Hash): Promise<Matrix> {
  const header = await readSafetensorsHeader(handle, size);
  // model2vec's own layout names the matrix `embeddings`; sentence-transformers' StaticEmbedding
  // names it `embedding.weight`.
  const matrix = header.get('embeddings') ?? header.get('embedding.weight');
  if (matrix?.shape.length !== 2) {
    throw new ModelFormatError('model.safetensors has no 2-D "embeddings" tensor');
  }
  const [rowCount, dimensions] = matrix.shape as [number, number];
  if (rowCount === 0 || dimensions === 0)
    throw new ModelFormatError('model.safetensors has an empty "embeddings" tensor');
  if (!['F32', 'F16', 'F64', 'I8'].includes(matrix.dtype)) {
    throw new ModelFormatError(
      `model.safetensors stores "embeddings" as ${matrix.dtype}; F32, F16, F64 or I8 is needed`,
    );
  }
  const weightsInfo = header.get('weights');
  const mappingInfo = header.get('mapping');
  const reader = new SequentialReader(handle, hash);
  const scratch = Buffer.from(new ArrayBuffer(Math.max(BLOCK_BYTES, dimensions * 8)));
  const result: Matrix = {
    rows: new Int8Array(0),
    scales: undefined,
    rowCount,
    dimensions,
    weights: undefined,
    mapping: undefined,
  };
  const inOrder = [matrix, weightsInfo, mappingInfo]
    .filter((tensor): tensor is TensorInfo => tensor !== undefined)
    .sort((a, b) => a.begin - b.begin);
  for (const tensor of inOrder) {
    await reader.skipTo(tensor.begin, scratch);
    if (tensor === matrix) {
      Object.assign(result, await readRows(reader, matrix, rowCount, dimensions, scratch));
    } else {
      // A few bytes per token: read whole, into a buffer of its own (aligned for typed arrays).
      const bytes = await reader.read(
        Buffer.from(new ArrayBuffer(tensor.end - tensor.begin)),
        tensor.end - tensor.begin,
      );
      if (tensor === weightsInfo) result.weights = toFloat32(tensor, bytes);
      else result.mapping = toInt32(tensor, bytes);
    }
  }
  await reader.skipTo(size, scratch);
  // As a row's NaN would, a weight's makes every text using its token NaN.
  if (result.weights?.some((weight) => !Number.isFinite(weight))) {
    throw new ModelFormatError('model.safetensors has a "weights" value that is not finite');
  }
  if (result.mapping?.some((row) => row < 0 || row >= rowCount)) {
    throw new ModelFormatError('model.safetensors has a "mapping" pointing past the embeddings');
  }
  return result;
}

async function readRows(
  reader: SequentialReader,
  matrix: TensorInfo,
  rowCount: number,
  dimensions: number,
  scratch: Buffer,
): Promise<Pick<Matrix, 'rows' | 'scales'>> {
  const rowBytes = dimensions * dtypeBytes(matrix.dtype);
  const blockRows = Math.max(1, Math.floor(scratch.length / rowBytes));
  const target: Block = {
    dtype: matrix.dtype,
    dimensions,
    rows: new Int8Array(rowCount * dimensions),
    scales: matrix.dtype === 'I8' ? undefined : new Float32Array(rowCount),
    // F16 and F64 blocks are widened to F32 first, one block at a time, so one quantiser serves all.
    widened:
      matrix.dtype === 'F16' || matrix.dtype === 'F64' ? new Float32Array(blockRows * dimensions) : undefined,
    half: matrix.dtype === 'F16' ? halfTable() : undefined,
  };
  // Two buffers: the next block is being read while this one is converted.
  const buffers = [scratch, Buffer.from(new ArrayBuffer(scratch.length))];
  const readBlock = (row: number, into: Buffer) =>
    reader.read(into, Math.min(blockRows, rowCount - row) * rowBytes);
  let pending = readBlock(0, buffers[0]!);
  try {
    for (let row = 0, turn = 0; row < rowCount; row += blockRows, turn++) {
      const bytes = await pending;
      if (row + blockRows < rowCount) pending = readBlock(row + blockRows, buffers[(turn + 1) % 2]!);
      convertBlock(target, bytes, row, bytes.length / rowBytes);
    }
  } catch (error) {
    // A block that fails to convert leaves the next one's read in flight: its outcome no longer matters.
    pending.catch(() => {});
    throw error;
  }
  return { rows: target.rows, scales: target.scales };
}

interface Block {
  dtype: Dtype;
  dimensions: number;
  rows: Int8Array;
  scales: Float32Array | undefined;
  widened: Float32Array | undefined;
  half: Float32Array | undefined;
}

/** Rows `row` to `row + count` of the matrix, from their bytes in the file, into `target`. */
function convertBlock(target: Block, bytes: Buffer, row: number, count: number): void {
  const { dimensions, widened, half } = target;
  const values = count * dimensions;
  const into = target.rows.subarray(row * dimensions, (row + count) * dimensions);
  const buffer = bytes.buffer as ArrayBuffer;
  switch (target.dtype) {
    case 'I8':
      into.set(new Int8Array(buffer, bytes.byteOffset, values));
      return;
    case 'F32':
      quantize(
        new Float32Array(buffer, bytes.byteOffset, values),
        count,
        dimensions,
        into,
        target.scales!,
        row,
      );
      return;
    case 'F16': {
      const bits = new Uint16Array(buffer, bytes.byteOffset, values);
      for (let i = 0; i < values; i++) widened![i] = half![bits[i]!]!;
      break;
    }
    default: {
      const doubles = new Float64Array(buffer, bytes.byteOffset, values);
      for (let i = 0; i < values; i++) widened![i] = doubles[i]!;
    }
  }
  quantize(widened!, count, dimensions, into, target.scales!, row);
}

/** Each of `count` rows to int8 by its own scale: its largest magnitude maps to 127. */
function quantize(
  values: Float32Array,
  count: number,
  dimensions: number,
  into: Int8Array,
  scales: Float32Array,
  firstRow: number,
): void {
  for (let r = 0; r < count; r++) {
    const base = r * dimensions;
    let largest = 0;
    // Math.max, unlike a comparison, keeps a NaN: a NaN or infinite value (which would make every
    // text using this row NaN) leaves `largest` not finite.
    for (let k = 0; k < dimensions; k++) largest = Math.max(largest, Math.abs(values[base + k]!));
    if (!Number.isFinite(largest)) {
      throw new ModelFormatError(`model.safetensors has a value that is not finite in row ${firstRow + r}`);
    }
    scales[firstRow + r] = largest / 127;
    const factor = largest > 0 ? 127 / largest : 0;
    // Math.floor(x + 0.5) rounds as Math.round does (halves up) and is several times faster here.
    for (let k = 0; k < dimensions; k++) into[base + k] = Math.floor(values[base + k]! * factor + 0.5);
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
    // A value past int32 would wrap into a valid row: it becomes -1, which the range check refuses.
    return Int32Array.from(new BigInt64Array(buffer, bytes.byteOffset, bytes.length / 8), (value) =>
      value < 0n || value > 0x7fffffffn ? -1 : Number(value),
    );
  }
  throw new ModelFormatError(
    `model.safetensors stores "mapping" as ${info.dtype}; an integer type is needed`,
  );
}
