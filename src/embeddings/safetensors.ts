/**
 * The safetensors format, read: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Only the header is parsed
 * here, and every range is checked against the file before a byte of data is read, so a truncated
 * or corrupt file is reported by what is wrong with it instead of yielding garbage vectors.
 */
import type { FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import { ModelFormatError } from './errors.js';

const DTYPE_BYTES = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1 } as const;
export type Dtype = keyof typeof DTYPE_BYTES;

export interface TensorInfo {
  dtype: Dtype;
  shape: number[];
  /** Absolute byte offsets in the file, [begin, end). */
  begin: number;
  end: number;
}

// A real header is a few hundred bytes per tensor; anything near this is not a model file.
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const TensorSchema = z.object({
  dtype: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  data_offsets: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});

export function dtypeBytes(dtype: Dtype): number {
  return DTYPE_BYTES[dtype];
}

/** Reads and checks the header of an open safetensors file of `fileSize` bytes. */
export async function readSafetensorsHeader(
  file: FileHandle,
  fileSize: number,
): Promise<Map<string, TensorInfo>> {
  const fail = (reason: string) => new ModelFormatError(`model.safetensors ${reason}`);
  if (fileSize < 8) throw fail(`is truncated (${fileSize} bytes)`);
  const prefix = Buffer.alloc(8);
  await file.read(prefix, 0, 8, 0);
  const headerBytes = Number(prefix.readBigUInt64LE(0));
  if (headerBytes > MAX_HEADER_BYTES)
    throw fail('is not a safetensors file (its header length is implausible)');
  if (8 + headerBytes > fileSize) throw fail('is truncated (its header runs past the end of the file)');
  const raw = Buffer.alloc(headerBytes);
  await file.read(raw, 0, headerBytes, 8);
  let header: unknown;
  try {
    header = JSON.parse(raw.toString('utf8'));
  } catch {
    throw fail('has a header that is not JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    throw fail('has a malformed header');
  const dataStart = 8 + headerBytes;
  const tensors = new Map<string, TensorInfo>();
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const parsed = TensorSchema.safeParse(value);
    if (!parsed.success) throw fail(`describes tensor "${name}" malformed`);
    const { dtype, shape, data_offsets: offsets } = parsed.data;
    if (!(dtype in DTYPE_BYTES)) throw fail(`stores tensor "${name}" as ${dtype}, which is not supported`);
    const expected = shape.reduce((product, size) => product * size, 1) * DTYPE_BYTES[dtype as Dtype];
    if (offsets[1] - offsets[0] !== expected) {
      throw fail(
        `describes tensor "${name}" with ${offsets[1] - offsets[0]} bytes where its shape needs ${expected}`,
      );
    }
    const end = dataStart + offsets[1];
    if (end > fileSize) throw fail(`is truncated (tensor "${name}" ends past the end of the file)`);
    tensors.set(name, { dtype: dtype as Dtype, shape, begin: dataStart + offsets[0], end });
  }
  return tensors;
}
