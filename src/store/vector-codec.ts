/**
 * How a vector is kept: as a row's BLOB, its int8 codes after their float32 scale (a quarter of
 * float32's size, a cosine within about 1% of the exact one for unit vectors); in memory, the
 * same codes plus one sign bit per dimension, the binary code a first pass over every memory
 * compares by Hamming distance before the int8 codes re-rank the few it keeps.
 */

const SCALE_BYTES = 4;

/** The BLOB of a unit vector: float32 scale (little-endian), then one int8 code per dimension. */
export function encodeVector(vector: Float32Array): Buffer {
  let largest = 0;
  for (const value of vector) largest = Math.max(largest, Math.abs(value));
  const scale = largest > 0 ? largest / 127 : 1;
  const blob = Buffer.alloc(SCALE_BYTES + vector.length);
  blob.writeFloatLE(scale, 0);
  for (let at = 0; at < vector.length; at++) {
    blob.writeInt8(Math.round(vector[at]! / scale), SCALE_BYTES + at);
  }
  return blob;
}

/** The dimensions a BLOB holds. */
export function blobDimensions(blob: Uint8Array): number {
  return Math.max(0, blob.length - SCALE_BYTES);
}

/** The BLOB's scale, and its codes copied into `codes` at `offset`. */
export function decodeInto(blob: Uint8Array, codes: Int8Array, offset: number): number {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  codes.set(new Int8Array(blob.buffer, blob.byteOffset + SCALE_BYTES, blob.length - SCALE_BYTES), offset);
  return view.getFloat32(0, true);
}

/** 32-bit words of a binary code of `dimensions` bits. */
export function codeWords(dimensions: number): number {
  return Math.ceil(dimensions / 32);
}

/** Sets bit i of the code at `offset` when component i is positive. */
export function signBits(values: ArrayLike<number>, bits: Int32Array, offset: number): void {
  const words = codeWords(values.length);
  for (let word = 0; word < words; word++) {
    let code = 0;
    const end = Math.min(32, values.length - word * 32);
    for (let bit = 0; bit < end; bit++) if (values[word * 32 + bit]! > 0) code |= 1 << bit;
    bits[offset + word] = code;
  }
}
