import type { DecoderConfig } from '../decoder-config.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { project } from './graph-ops.js';
import type { LayerWeights, ProjectionWeight } from './prepared-weights.js';

const MICROSOFT = 'com.microsoft';

/** One layer's weights as the fused graph applies them: Q/K/V and gate/up as one matrix each. */
export interface FusedLayerWeights {
  readonly qkv: ProjectionWeight;
  readonly qkvBias: string | null;
  readonly o: ProjectionWeight;
  readonly gateUp: ProjectionWeight;
  readonly down: ProjectionWeight;
  readonly inputNorm: string;
  readonly postNorm: string;
}

/** What the fused sub-layers of one decoder layer read besides their weights. */
export interface FusedLayer {
  readonly index: number;
  readonly config: DecoderConfig;
  readonly weights: FusedLayerWeights;
  /** `[batch, seq]` int64 graph input. */
  readonly positionIds: string;
  /** `[maxPositions, headDim / 2]` rotary tables. */
  readonly ropeCos: string;
  readonly ropeSin: string;
  /** This layer's cache inputs, `[batch, kvHeads, past, headDim]`. */
  readonly pastKey: string;
  readonly pastValue: string;
  /** `[batch]` int32: past + new tokens - 1 (GroupQueryAttention's `seqlens_k`). */
  readonly seqlensK: string;
  /** `[1]` int32: past + new tokens. */
  readonly totalSequenceLength: string;
  /** `MatMulNBits`' `accuracy_level` for 4-bit weights. */
  readonly accuracyLevel: number | undefined;
}

/**
 * Concatenates projections that read the same input along their output features. The
 * concatenation has only initializers as inputs, so onnxruntime folds it at session creation:
 * the bundle stores the checkpoint's own matrices (one data file serves both graph flavours)
 * and the fused graph runs one product where the standard graph runs two or three.
 */
export function fuseProjections(
  g: GraphBuilder,
  parts: readonly ProjectionWeight[],
): ProjectionWeight {
  const [first] = parts;
  if (!first) throw new Error('nothing to fuse');
  if (parts.length === 1) return first;
  const concat = (names: readonly string[], axis: number) => g.op('Concat', names, { axis });
  switch (first.kind) {
    case 'float': {
      const all = parts as readonly Extract<ProjectionWeight, { kind: 'float' }>[];
      // `[in, out]` matrices side by side; a float16 result is cast where it is applied.
      return {
        kind: 'float',
        name: concat(
          all.map((p) => p.name),
          1,
        ),
        stored: first.stored,
      };
    }
    case 'int8': {
      const all = parts as readonly Extract<ProjectionWeight, { kind: 'int8' }>[];
      return {
        kind: 'int8',
        name: concat(
          all.map((p) => p.name),
          1,
        ),
        scale: concat(
          all.map((p) => p.scale),
          0,
        ),
        zeroPoint: concat(
          all.map((p) => p.zeroPoint),
          0,
        ),
      };
    }
    case 'int4':
    case 'int8-blocks': {
      const all = parts as readonly Extract<ProjectionWeight, { kind: typeof first.kind }>[];
      // `[out, blocks, blockBytes]` rows stacked; the scales follow the rows.
      return {
        ...first,
        name: concat(
          all.map((p) => p.name),
          0,
        ),
        scales: concat(
          all.map((p) => p.scales),
          0,
        ),
        inFeatures: first.inFeatures,
        outFeatures: all.reduce((sum, p) => sum + p.outFeatures, 0),
      };
    }
  }
}

/** The fused weights of one layer, built from its prepared (checkpoint-shaped) weights. */
export function fuseLayerWeights(g: GraphBuilder, w: LayerWeights): FusedLayerWeights {
  const biases = [w.qBias, w.kBias, w.vBias];
  const qkvBias = biases.every((b) => b !== null)
    ? g.op('Concat', biases as string[], { axis: 0 })
    : null;
  return {
    qkv: fuseProjections(g, [w.q, w.k, w.v]),
    qkvBias,
    o: w.o,
    gateUp: fuseProjections(g, [w.gate, w.up]),
    down: w.down,
    inputNorm: w.inputNorm,
    postNorm: w.postNorm,
  };
}

/** Q, K and V of the normed residual stream, `[batch, seq, heads * headDim]`, K already rotated. */
function queryKeyValue(
  b: GraphBuilder,
  layer: FusedLayer,
  normed: string,
): { q: string; k: string; v: string } {
  const { config, weights: w } = layer;
  const { numHeads, numKvHeads, headDim } = config;
  let qkv = project(b, normed, w.qkv, layer.accuracyLevel);
  if (w.qkvBias) qkv = b.op('Add', [qkv, w.qkvBias]);
  const [q, k, v] = b.opN(
    'Split',
    [qkv, b.int64([numHeads * headDim, numKvHeads * headDim, numKvHeads * headDim])],
    3,
    { axis: -1 },
  ) as [string, string, string];
  return { q, k: rotate(b, layer, k, numKvHeads), v };
}

/** `com.microsoft.RotaryEmbedding` over `[batch, seq, heads * headDim]`, halves rotated. */
function rotate(b: GraphBuilder, layer: FusedLayer, x: string, heads: number): string {
  return b.op(
    'RotaryEmbedding',
    [x, layer.positionIds, layer.ropeCos, layer.ropeSin],
    { interleaved: 0, num_heads: heads },
    MICROSOFT,
  );
}

export interface FusedAttentionValues {
  /** What the sub-layer adds to the residual stream. */
  readonly delta: string;
  /** The layer's cache with this step's tokens appended. */
  readonly keys: string;
  readonly values: string;
}

/**
 * Attention on the normed residual stream: fused QKV, explicit-position rotary, then
 * `com.microsoft.GroupQueryAttention` over this layer's own cache (causal, grouped heads,
 * the cache extended in the op), then the output projection.
 */
export function fusedAttention(
  b: GraphBuilder,
  layer: FusedLayer,
  normed: string,
): FusedAttentionValues {
  const { config, weights: w } = layer;
  const { q, k, v } = queryKeyValue(b, layer, normed);
  const [context, keys, values] = b.opN(
    'GroupQueryAttention',
    [
      rotate(b, layer, q, config.numHeads),
      k,
      v,
      layer.pastKey,
      layer.pastValue,
      layer.seqlensK,
      layer.totalSequenceLength,
    ],
    3,
    {
      num_heads: config.numHeads,
      kv_num_heads: config.numKvHeads,
      scale: { kind: 'float', value: 1 / Math.sqrt(config.headDim) },
    },
    MICROSOFT,
  ) as [string, string, string];
  return { delta: project(b, context, w.o, layer.accuracyLevel), keys, values };
}

/**
 * The `propagate` KV policy's skip branch: the new tokens' K/V appended to the layer's cache,
 * no attention computed.
 */
export function fusedKeyValuesOnly(
  b: GraphBuilder,
  layer: FusedLayer,
  normed: string,
): { keys: string; values: string } {
  const { numKvHeads, headDim } = layer.config;
  const { k, v } = queryKeyValue(b, layer, normed);
  const heads = (t: string) =>
    b.op('Transpose', [b.op('Reshape', [t, b.int64([0, 0, numKvHeads, headDim])])], {
      perm: [0, 2, 1, 3],
    });
  return {
    keys: b.op('Concat', [layer.pastKey, heads(k)], { axis: 2 }),
    values: b.op('Concat', [layer.pastValue, heads(v)], { axis: 2 }),
  };
}

/** The feed-forward sub-layer (SwiGLU, fused gate/up) on the normed residual stream: its delta. */
export function fusedFeedForward(b: GraphBuilder, layer: FusedLayer, normed: string): string {
  const { config, weights: w } = layer;
  const gateUp = project(b, normed, w.gateUp, layer.accuracyLevel);
  const [gate, up] = b.opN(
    'Split',
    [gateUp, b.int64([config.intermediateSize, config.intermediateSize])],
    2,
    { axis: -1 },
  ) as [string, string];
  const activated = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
  return project(b, b.op('Mul', [activated, up]), w.down, layer.accuracyLevel);
}

/** `SimplifiedLayerNormalization` (RMSNorm), declared in the default domain where onnxruntime registers it. */
export function fusedRmsNorm(b: GraphBuilder, x: string, weight: string, eps: number): string {
  return b.op('SimplifiedLayerNormalization', [x, weight], {
    axis: -1,
    epsilon: { kind: 'float', value: eps },
  });
}

/**
 * The residual add and the next RMSNorm in one `com.microsoft.SkipSimplifiedLayerNormalization`:
 * returns the new residual stream (`residual + delta`) and its normed form.
 */
export function addAndNorm(
  b: GraphBuilder,
  residual: string,
  delta: string,
  weight: string,
  eps: number,
): { residual: string; normed: string } {
  const [normed, , , sum] = b.opSome(
    'SkipSimplifiedLayerNormalization',
    [delta, residual, weight],
    [true, false, false, true],
    { epsilon: { kind: 'float', value: eps } },
    MICROSOFT,
  ) as [string, string, string, string];
  return { residual: sum, normed };
}
