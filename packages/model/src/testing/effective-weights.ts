import { float16ToFloat32, float32ToFloat16Bits } from '../checkpoint/float16.js';
import { EMBED_TOKENS, LM_HEAD, type WeightSource } from '../decoder-config.js';
import type { Quantization, WeightDtype } from '../graph/prepared-weights.js';
import { dequantizeInt4, dequantizeInt8, quantizeInt4, quantizeInt8 } from '../graph/quantize.js';
import { MemoryWeightSource } from './random-weights.js';

const PROJECTION = /\.(q|k|v|o|gate|up|down)_proj\.weight$/;

/**
 * The weights a bundle converted with `dtype` and `quantization` computes with, for the
 * reference forward: projections quantized and dequantized (int8, int4); projections,
 * embeddings and head rounded to float16 as the converter stores them (fp16).
 */
export async function effectiveWeights(
  weights: WeightSource,
  options: { readonly dtype: WeightDtype; readonly quantization: Quantization },
): Promise<MemoryWeightSource> {
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const name of weights.names) {
    const shape = weights.shape(name);
    let data = await weights.read(name);
    const projection = PROJECTION.test(name);
    if (options.dtype === 'fp16' && (projection || name === EMBED_TOKENS || name === LM_HEAD)) {
      data = Float32Array.from(data, (v) => float16ToFloat32(float32ToFloat16Bits(v)));
    } else if (projection && options.quantization !== 'none') {
      const [out, inFeatures] = shape as [number, number];
      data =
        options.quantization === 'int8'
          ? dequantizeInt8(quantizeInt8(data, out, inFeatures), out, inFeatures)
          : dequantizeInt4(quantizeInt4(data, out, inFeatures), out, inFeatures);
    }
    tensors.set(name, { shape, data });
  }
  return new MemoryWeightSource(
    tensors,
    `${weights.location} as ${options.quantization === 'none' ? options.dtype : options.quantization}`,
  );
}
