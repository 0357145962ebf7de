import { float16ToFloat32, float32ToFloat16Bits } from '../checkpoint/float16.js';
import { EMBED_TOKENS, LM_HEAD, type WeightSource } from '../decoder-config.js';
import type { LmHeadStorage, Quantization, WeightDtype } from '../graph/prepared-weights.js';
import {
  dequantizeInt4,
  dequantizeInt8,
  dequantizeInt8Blocks,
  type Int4BlockSize,
  quantizeInt4,
  quantizeInt8,
  quantizeInt8Blocks,
} from '../graph/quantize.js';
import { MemoryWeightSource } from './random-weights.js';

const PROJECTION = /\.(q|k|v|o|gate|up|down)_proj\.weight$/;

/**
 * The weights a bundle converted with `dtype` and `quantization` computes with, for the
 * reference forward: projections quantized and dequantized (int8, int4); projections,
 * embeddings and head rounded to float16 as the converter stores them (fp16); the LM head
 * quantized and dequantized as `lmHead` says (then written as `lm_head.weight` even when the
 * embeddings are tied, since the lookup stays float).
 */
export async function effectiveWeights(
  weights: WeightSource,
  options: {
    readonly dtype: WeightDtype;
    readonly quantization: Quantization;
    /** Inputs per scale of int4 weights (default `INT4_BLOCK_SIZE`). */
    readonly int4BlockSize?: Int4BlockSize;
    readonly lmHead?: LmHeadStorage;
    /** Whether the checkpoint ties its LM head to the embeddings. */
    readonly tied?: boolean;
  },
): Promise<MemoryWeightSource> {
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  const quantized = (
    kind: Quantization | 'int8-blocks',
    data: Float32Array,
    [out, inFeatures]: readonly number[],
  ): Float32Array => {
    if (out === undefined || inFeatures === undefined) throw new Error('not a matrix');
    switch (kind) {
      case 'none':
        return data;
      case 'int8':
        return dequantizeInt8(quantizeInt8(data, out, inFeatures), out, inFeatures);
      case 'int8-blocks':
        return dequantizeInt8Blocks(quantizeInt8Blocks(data, out, inFeatures), out, inFeatures);
      case 'int4':
        return dequantizeInt4(
          quantizeInt4(data, out, inFeatures, options.int4BlockSize),
          out,
          inFeatures,
        );
    }
  };
  const head = options.lmHead ?? 'float';
  const headKind = head === 'int8' ? 'int8-blocks' : head === 'int4' ? 'int4' : 'none';
  const tied = options.tied || !weights.has(LM_HEAD);
  for (const name of weights.names) {
    const shape = weights.shape(name);
    let data = await weights.read(name);
    const projection = PROJECTION.test(name);
    if (options.dtype === 'fp16' && (projection || name === EMBED_TOKENS || name === LM_HEAD)) {
      data = Float32Array.from(data, (v) => float16ToFloat32(float32ToFloat16Bits(v)));
    } else if (projection) {
      data = quantized(options.quantization, data, shape);
    } else if (name === LM_HEAD && !tied) {
      data = quantized(headKind, data, shape);
    }
    tensors.set(name, { shape, data });
  }
  if (tied && headKind !== 'none') {
    const embed = tensors.get(EMBED_TOKENS);
    if (!embed) throw new Error(`${weights.location} has no ${EMBED_TOKENS}`);
    tensors.set(LM_HEAD, {
      shape: embed.shape,
      data: quantized(headKind, embed.data, embed.shape),
    });
  }
  return new MemoryWeightSource(
    tensors,
    `${weights.location} as ${options.quantization === 'none' ? options.dtype : options.quantization}`,
  );
}
