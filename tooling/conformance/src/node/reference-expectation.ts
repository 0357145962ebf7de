import type { DecoderConfig } from '@litestage/model';
import type { WeightSource } from '@litestage/model/convert';
import { effectiveWeights, ReferenceModel } from '@litestage/model/testing';
import { subLayerFlags } from '@litestage/profile';
import type { ConformanceCase } from '../conformance-case.js';
import type { ConformanceSpec } from './conformance-specs.js';

/** Greedy tokens and logits of the TypeScript reference forward, every step under the spec's skip set. */
export async function referenceExpectation(
  spec: ConformanceSpec,
  config: DecoderConfig,
  weights: WeightSource,
): Promise<ConformanceCase['expected']> {
  const model = await ReferenceModel.load(config, await effectiveWeights(weights, spec));
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
