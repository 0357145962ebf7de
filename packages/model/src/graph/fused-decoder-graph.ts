import type { DecoderConfig } from '../decoder-config.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import {
  addAndNorm,
  type FusedLayer,
  fusedAttention,
  fusedFeedForward,
  fusedKeyValuesOnly,
  fusedRmsNorm,
  fuseLayerWeights,
} from './fused-sub-layers.js';
import { asFloat32, cosine, lastPositions, writeLmHead } from './graph-ops.js';
import type { PreparedWeights } from './prepared-weights.js';
import { ifSkipped } from './sub-layer-gates.js';

/** The graph-wide values the fused layers read. */
export interface FusedDecoderInputs {
  readonly inputIds: string;
  readonly positionIds: string;
  readonly skipAttn: string | null;
  readonly skipFfn: string | null;
  /** `[batch, seq]` ones, the cosine a skipped sub-layer reports (search graph only). */
  readonly ones: string | null;
  /** Each layer's cache and sequence-length values, and the outputs its updated cache goes to. */
  readonly cache: FusedCacheNames;
}

/**
 * The names a fused graph reads and writes each layer's cache under. A bundle's graph takes
 * one cache and one pair of lengths per layer (each layer's cache may differ in length); the
 * optimum layout uses transformers.js's names, and every layer reads the same lengths.
 */
export interface FusedCacheNames {
  readonly pastKey: (layer: number) => string;
  readonly pastValue: (layer: number) => string;
  readonly presentKey: (layer: number) => string;
  readonly presentValue: (layer: number) => string;
  /** `[batch]` int32: past + new tokens - 1 (GroupQueryAttention's `seqlens_k`). */
  readonly seqlensK: (layer: number) => string;
  /** `[1]` int32: past + new tokens. */
  readonly totalSequenceLength: (layer: number) => string;
}

/** A bundle graph's cache names: `past_key.{j}` in, `present_key.{j}` out, lengths per layer. */
export const BUNDLE_CACHE_NAMES: FusedCacheNames = {
  pastKey: (j) => `past_key.${j}`,
  pastValue: (j) => `past_value.${j}`,
  presentKey: (j) => `present_key.${j}`,
  presentValue: (j) => `present_value.${j}`,
  seqlensK: (j) => `seqlens_k.${j}`,
  totalSequenceLength: (j) => `total_sequence_length.${j}`,
};

export interface FusedBuild {
  readonly propagateKv: boolean;
  readonly accuracyLevel: number | undefined;
}

/** The per-layer length inputs GroupQueryAttention needs, declared after the cache inputs. */
export function declareSequenceLengths(g: GraphBuilder, numLayers: number): void {
  for (let j = 0; j < numLayers; j++) {
    g.input({ name: `seqlens_k.${j}`, type: 'int32', shape: ['batch'] });
    g.input({ name: `total_sequence_length.${j}`, type: 'int32', shape: [1] });
  }
}

/**
 * The decoder layers of the fused graph. The residual add of every sub-layer and the norm
 * after it are one `SkipSimplifiedLayerNormalization`, outside the `If` gates: a sub-layer
 * (run or skipped) yields only its delta (zeros when skipped), so the norms fuse across gates.
 * Returns the final-normed hidden states `[batch, seq, hidden]` and the per-layer cosines.
 */
export function fusedDecoderLayers(
  g: GraphBuilder,
  config: DecoderConfig,
  weights: PreparedWeights,
  inputs: FusedDecoderInputs,
  build: FusedBuild,
): { normed: string; cosAttn: string[]; cosFfn: string[] } {
  const eps = config.rmsNormEps;
  const embed = asFloat32(g, weights.embed.name, weights.embed.stored);
  let residual = g.op('Gather', [embed, inputs.inputIds], { axis: 0 });
  const gated = inputs.skipAttn !== null && inputs.skipFfn !== null;
  const zeros = gated ? zerosLike(g, residual) : null;
  const ones = gated ? inputs.ones : null;
  // Every layer's skip flag in one Split per kind, not one Gather per gate.
  const flags = (skipFlags: string | null) =>
    skipFlags === null
      ? []
      : g.opN('Split', [skipFlags, g.int64(Array(config.numLayers).fill(1))], config.numLayers, {
          axis: 0,
        });
  const attnFlags = flags(inputs.skipAttn);
  const ffnFlags = flags(inputs.skipFfn);
  const first = weights.layers[0];
  if (!first) throw new Error('a decoder needs at least one layer');
  let normed = fusedRmsNorm(g, residual, first.inputNorm, eps);
  const cosAttn: string[] = [];
  const cosFfn: string[] = [];

  for (let index = 0; index < config.numLayers; index++) {
    const prepared = weights.layers[index];
    if (!prepared) throw new Error(`prepared weights lack layer ${index}`);
    const layer: FusedLayer = {
      index,
      config,
      weights: fuseLayerWeights(g, prepared),
      positionIds: inputs.positionIds,
      ropeCos: weights.ropeCos,
      ropeSin: weights.ropeSin,
      pastKey: inputs.cache.pastKey(index),
      pastValue: inputs.cache.pastValue(index),
      seqlensK: inputs.cache.seqlensK(index),
      totalSequenceLength: inputs.cache.totalSequenceLength(index),
      accuracyLevel: build.accuracyLevel,
    };
    const nextNorm = weights.layers[index + 1]?.inputNorm ?? weights.finalNorm;

    // Attention.
    let attnDelta: string;
    let keys: string;
    let values: string;
    if (!gated) {
      ({ delta: attnDelta, keys, values } = fusedAttention(g, layer, normed));
    } else {
      const before = residual;
      const input = normed;
      const [d, k, v, cos] = ifSkipped(
        g,
        inputs.skipAttn as string,
        index,
        'attn',
        {
          run: (b) => {
            const ran = fusedAttention(b, layer, input);
            const out = [ran.delta, ran.keys, ran.values];
            return ones ? [...out, cosine(b, before, b.op('Add', [before, ran.delta]))] : out;
          },
          skip: (b) => {
            const kept = build.propagateKv
              ? fusedKeyValuesOnly(b, layer, input)
              : { keys: layer.pastKey, values: layer.pastValue };
            const out = [zeros as string, kept.keys, kept.values];
            return ones ? [...out, ones] : out;
          },
        },
        attnFlags[index],
      ) as [string, string, string, string | undefined];
      attnDelta = d;
      keys = k;
      values = v;
      if (cos) cosAttn.push(cos);
    }
    g.opInto('Identity', [keys], [inputs.cache.presentKey(index)]);
    g.opInto('Identity', [values], [inputs.cache.presentValue(index)]);
    ({ residual, normed } = addAndNorm(g, residual, attnDelta, prepared.postNorm, eps));

    // Feed-forward.
    let ffnDelta: string;
    if (!gated) {
      ffnDelta = fusedFeedForward(g, layer, normed);
    } else {
      const before = residual;
      const input = normed;
      const [d, cos] = ifSkipped(
        g,
        inputs.skipFfn as string,
        index,
        'ffn',
        {
          run: (b) => {
            const delta = fusedFeedForward(b, layer, input);
            return ones ? [delta, cosine(b, before, b.op('Add', [before, delta]))] : [delta];
          },
          skip: () => (ones ? [zeros as string, ones] : [zeros as string]),
        },
        ffnFlags[index],
      ) as [string, string | undefined];
      ffnDelta = d;
      if (cos) cosFfn.push(cos);
    }
    ({ residual, normed } = addAndNorm(g, residual, ffnDelta, nextNorm, eps));
  }
  return { normed, cosAttn, cosFfn };
}

/**
 * `logits` from final-normed hidden states: the LM head over the last `logits_to_keep`
 * positions, through `MatMulNBits` or `DequantizeLinear` when the head is quantized.
 */
export function fusedLogits(
  g: GraphBuilder,
  config: DecoderConfig,
  weights: PreparedWeights,
  normed: string,
  logitsToKeep: string,
  accuracyLevel: number | undefined,
): void {
  const kept = lastPositions(g, normed, logitsToKeep);
  writeLmHead(g, config.hiddenSize, weights, kept, accuracyLevel);
}

/** `[batch, seq, hidden]` zeros: what a skipped sub-layer adds to the residual stream. */
function zerosLike(g: GraphBuilder, x: string): string {
  return g.op('ConstantOfShape', [g.op('Shape', [x])], {
    value: floatTensorAttribute('zero', 0),
  });
}

function floatTensorAttribute(name: string, value: number) {
  return {
    kind: 'tensor' as const,
    value: {
      name,
      type: 'float' as const,
      dims: [1],
      data: { kind: 'inline' as const, bytes: new Uint8Array(new Float32Array([value]).buffer) },
    },
  };
}
