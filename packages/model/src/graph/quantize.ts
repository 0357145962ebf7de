/** Weight-only quantization of a Linear weight `[outFeatures, inFeatures]` (row-major). */

export interface Int8Weight {
  /** `[in, out]` (transposed, ready for MatMul), symmetric per output channel. */
  readonly values: Int8Array;
  /** One scale per output channel. */
  readonly scales: Float32Array;
}

export function quantizeInt8(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
): Int8Weight {
  const values = new Int8Array(outFeatures * inFeatures);
  const scales = new Float32Array(outFeatures);
  for (let o = 0; o < outFeatures; o++) {
    let max = 0;
    for (let i = 0; i < inFeatures; i++)
      max = Math.max(max, Math.abs(weight[o * inFeatures + i] as number));
    const scale = max === 0 ? 1 : max / 127;
    scales[o] = scale;
    for (let i = 0; i < inFeatures; i++) {
      const q = Math.round((weight[o * inFeatures + i] as number) / scale);
      values[i * outFeatures + o] = Math.max(-127, Math.min(127, q));
    }
  }
  return { values, scales };
}

/** The 4-bit block sizes `MatMulNBits` takes (values along the input dimension per scale). */
export const INT4_BLOCK_SIZES = [16, 32, 64, 128, 256] as const;
export type Int4BlockSize = (typeof INT4_BLOCK_SIZES)[number];

/** The block size int4 weights get unless another is asked for. */
export const INT4_BLOCK_SIZE: Int4BlockSize = 32;

export interface Int4Weight {
  /** `com.microsoft.MatMulNBits` layout: `[out, blocks, blockSize / 2]` bytes, two 4-bit values a byte (low nibble first). */
  readonly packed: Uint8Array;
  /** `[out * blocks]` scales; values are `(q - 8) * scale` (the op's default zero point). */
  readonly scales: Float32Array;
  readonly blocksPerRow: number;
  readonly blockSize: Int4BlockSize;
}

/** Symmetric 4-bit blocks along the input dimension (zero-padded to a whole block). */
export function quantizeInt4(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  blockSize: Int4BlockSize = INT4_BLOCK_SIZE,
): Int4Weight {
  if (!INT4_BLOCK_SIZES.includes(blockSize)) {
    throw new RangeError(
      `int4 block size ${blockSize} is not one of ${INT4_BLOCK_SIZES.join(', ')}`,
    );
  }
  const blocksPerRow = Math.ceil(inFeatures / blockSize);
  const bytesPerBlock = blockSize / 2;
  const packed = new Uint8Array(outFeatures * blocksPerRow * bytesPerBlock);
  const scales = new Float32Array(outFeatures * blocksPerRow);
  const block = new Float32Array(blockSize);
  for (let o = 0; o < outFeatures; o++) {
    for (let b = 0; b < blocksPerRow; b++) {
      block.fill(0);
      let max = 0;
      for (let j = 0; j < blockSize; j++) {
        const i = b * blockSize + j;
        if (i < inFeatures) {
          const value = weight[o * inFeatures + i] as number;
          block[j] = value;
          max = Math.max(max, Math.abs(value));
        }
      }
      const scale = max === 0 ? 1 : max / 7;
      scales[o * blocksPerRow + b] = scale;
      const base = (o * blocksPerRow + b) * bytesPerBlock;
      for (let j = 0; j < blockSize; j += 2) {
        const lo = Math.max(0, Math.min(15, Math.round((block[j] as number) / scale) + 8));
        const hi = Math.max(0, Math.min(15, Math.round((block[j + 1] as number) / scale) + 8));
        packed[base + j / 2] = lo | (hi << 4);
      }
    }
  }
  return { packed, scales, blocksPerRow, blockSize };
}

/** The float weight `[out, in]` an int4 weight stands for (for reference computations and tests). */
export function dequantizeInt4(
  weight: Int4Weight,
  outFeatures: number,
  inFeatures: number,
): Float32Array {
  const out = new Float32Array(outFeatures * inFeatures);
  const { blockSize } = weight;
  const bytesPerBlock = blockSize / 2;
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) {
      const b = Math.floor(i / blockSize);
      const j = i % blockSize;
      const byte = weight.packed[
        (o * weight.blocksPerRow + b) * bytesPerBlock + (j >> 1)
      ] as number;
      const q = j % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[o * inFeatures + i] = (q - 8) * (weight.scales[o * weight.blocksPerRow + b] as number);
    }
  }
  return out;
}

/** The float weight `[out, in]` an int8 weight stands for. */
export function dequantizeInt8(
  weight: Int8Weight,
  outFeatures: number,
  inFeatures: number,
): Float32Array {
  const out = new Float32Array(outFeatures * inFeatures);
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) {
      out[o * inFeatures + i] =
        (weight.values[i * outFeatures + o] as number) * (weight.scales[o] as number);
    }
  }
  return out;
}

/** Inputs per scale of 8-bit block weights (the LM head's). */
export const INT8_BLOCK_SIZE = 32;

export interface Int8BlockWeight {
  /** `com.microsoft.MatMulNBits` (8 bits) layout: `[out, blocks, blockSize]` bytes, zero point 128. */
  readonly packed: Uint8Array;
  /** `[out * blocks]` scales; values are `(q - 128) * scale`. */
  readonly scales: Float32Array;
  readonly blocksPerRow: number;
  readonly blockSize: number;
}

/** Symmetric 8-bit blocks along the input dimension (zero-padded to a whole block). */
export function quantizeInt8Blocks(
  weight: Float32Array,
  outFeatures: number,
  inFeatures: number,
  blockSize = INT8_BLOCK_SIZE,
): Int8BlockWeight {
  const blocksPerRow = Math.ceil(inFeatures / blockSize);
  const packed = new Uint8Array(outFeatures * blocksPerRow * blockSize).fill(128);
  const scales = new Float32Array(outFeatures * blocksPerRow);
  for (let o = 0; o < outFeatures; o++) {
    for (let b = 0; b < blocksPerRow; b++) {
      const from = b * blockSize;
      const to = Math.min(inFeatures, from + blockSize);
      let max = 0;
      for (let i = from; i < to; i++)
        max = Math.max(max, Math.abs(weight[o * inFeatures + i] as number));
      const scale = max === 0 ? 1 : max / 127;
      scales[o * blocksPerRow + b] = scale;
      const base = (o * blocksPerRow + b) * blockSize - from;
      for (let i = from; i < to; i++) {
        const q = Math.round((weight[o * inFeatures + i] as number) / scale);
        packed[base + i] = Math.max(-127, Math.min(127, q)) + 128;
      }
    }
  }
  return { packed, scales, blocksPerRow, blockSize };
}

/** The float weight `[out, in]` an 8-bit block weight stands for. */
export function dequantizeInt8Blocks(
  weight: Int8BlockWeight,
  outFeatures: number,
  inFeatures: number,
): Float32Array {
  const out = new Float32Array(outFeatures * inFeatures);
  const { blockSize, blocksPerRow } = weight;
  for (let o = 0; o < outFeatures; o++) {
    for (let i = 0; i < inFeatures; i++) {
      const b = Math.floor(i / blockSize);
      const q = weight.packed[(o * blocksPerRow + b) * blockSize + (i % blockSize)] as number;
      out[o * inFeatures + i] = (q - 128) * (weight.scales[o * blocksPerRow + b] as number);
    }
  }
  return out;
}
