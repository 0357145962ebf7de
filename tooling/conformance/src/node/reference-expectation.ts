import type { DecoderConfig } from '@litestage/model';
import {
  dequantizeInt4,
  dequantizeInt8,
  quantizeInt4,
  quantizeInt8,
  type WeightSource,
} from '@litestage/model/convert';
import { MemoryWeightSource, ReferenceModel } from '@litestage/model/testing';
import { subLayerFlags } from '@litestage/profile';
import type { ConformanceCase } from '../conformance-case.js';
import type { ConformanceSpec } from './conformance-specs.js';

const PROJECTION = /\.(q|k|v|o|gate|up|down)_proj\.weight$/;

/** Rounds to the nearest float16 value (round half to even), as the converter stores weights. */
function roundToHalf(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const exponent = Math.max(Math.floor(Math.log2(Math.abs(value))), -14);
  const step = 2 ** (exponent - 10);
  const scaled = value / step;
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const rounded = rest > 0.5 || (rest === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
  return rounded * step;
}

/**
 * The weights a converted bundle computes with: projections quantized and dequantized for
 * int8/int4; projections, embeddings and head rounded to float16 for fp16.
 */
export async function effectiveWeights(spec: ConformanceSpec, weights: WeightSource) {
  const tensors = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const name of weights.names) {
    const shape = weights.shape(name);
    let data = await weights.read(name);
    const projection = PROJECTION.test(name);
    if (
      spec.dtype === 'fp16' &&
      (projection || name === 'model.embed_tokens.weight' || name === 'lm_head.weight')
    ) {
      data = Float32Array.from(data, roundToHalf);
    } else if (projection && spec.quantization !== 'none') {
      const [out, inFeatures] = shape as [number, number];
      data =
        spec.quantization === 'int8'
          ? dequantizeInt8(quantizeInt8(data, out, inFeatures), out, inFeatures)
          : dequantizeInt4(quantizeInt4(data, out, inFeatures), out, inFeatures);
    }
    tensors.set(name, { shape, data });
  }
  return new MemoryWeightSource(tensors, `${spec.name} as converted`);
}

/** Greedy tokens and logits of the TypeScript reference forward, every step under the spec's skip set. */
export async function referenceExpectation(
  spec: ConformanceSpec,
  config: DecoderConfig,
  weights: WeightSource,
): Promise<ConformanceCase['expected']> {
  const model = await ReferenceModel.load(config, await effectiveWeights(spec, weights));
  const skip = subLayerFlags(spec.skip, config.numLayers);
  const cache = model.createCache();
  const tokens: number[] = [];
  const logits: number[][] = [];
  let minTopMargin = Number.POSITIVE_INFINITY;
  let input = [...spec.prompt];
  for (let i = 0; i < spec.maxNewTokens; i++) {
    const step = model.forward(cache, input, skip, { propagateKv: spec.propagateKv });
    const row = step.logits.at(-1) as Float32Array;
    const order = Array.from(row.keys()).sort((a, b) => (row[b] as number) - (row[a] as number));
    const [best, second] = order as [number, number];
    minTopMargin = Math.min(minTopMargin, (row[best] as number) - (row[second] as number));
    tokens.push(best);
    logits.push(Array.from(row));
    input = [best];
  }
  return { tokens, logits, minTopMargin };
}
