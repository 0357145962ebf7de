import type { DecoderConfig } from '../decoder-config.js';
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { applyRotary, project, rmsNorm } from './graph-ops.js';
import type { LayerWeights, ProjectionWeight } from './prepared-weights.js';

/** The rotary tables of the step's positions, shared by every layer: `[batch, 1, seq, headDim]`. */
export interface RotaryTables {
  readonly cos: string;
  readonly sin: string;
}

/** What the sub-layers of one decoder layer read. */
export interface DecoderLayer {
  readonly index: number;
  readonly config: DecoderConfig;
  readonly weights: LayerWeights;
  readonly rotary: RotaryTables;
  /** This layer's own cache inputs, `[batch, kvHeads, past, headDim]`. */
  readonly pastKey: string;
  readonly pastValue: string;
  /** `MatMulNBits`' `accuracy_level` for 4-bit weights. */
  readonly accuracyLevel?: number;
}

export interface AttentionValues {
  /** The residual stream after the sub-layer. */
  readonly out: string;
  /** The layer's cache with this step's tokens appended. */
  readonly keys: string;
  readonly values: string;
}

/**
 * The attention sub-layer on residual stream `x`. With `runAttention` false only the new
 * K/V are computed and appended (the `propagate` KV policy's skip branch) and `x` passes
 * through unchanged.
 */
export function attention(
  b: GraphBuilder,
  layer: DecoderLayer,
  x: string,
  runAttention: boolean,
): AttentionValues {
  const { config, weights: w, rotary } = layer;
  const { numHeads, numKvHeads, headDim } = config;
  const xn = rmsNorm(b, x, w.inputNorm, config.rmsNormEps);
  const k = applyRotary(
    b,
    projectHeads(b, xn, w.k, w.kBias, numKvHeads, headDim, layer.accuracyLevel),
    rotary.cos,
    rotary.sin,
    headDim,
  );
  const v = projectHeads(b, xn, w.v, w.vBias, numKvHeads, headDim, layer.accuracyLevel);
  const keys = b.op('Concat', [layer.pastKey, k], { axis: 2 });
  const values = b.op('Concat', [layer.pastValue, v], { axis: 2 });
  if (!runAttention) return { out: x, keys, values };
  const q = applyRotary(
    b,
    projectHeads(b, xn, w.q, w.qBias, numHeads, headDim, layer.accuracyLevel),
    rotary.cos,
    rotary.sin,
    headDim,
  );
  const expand = (t: string) => expandKvHeads(b, t, config);
  const scores = b.op('Mul', [
    b.op('MatMul', [q, b.op('Transpose', [expand(keys)], { perm: [0, 1, 3, 2] })]),
    b.float32([1 / Math.sqrt(headDim)], []),
  ]);
  const probs = b.op('Softmax', [b.op('Add', [scores, causalMask(b, keys, q)])], { axis: -1 });
  const context = b.op('MatMul', [probs, expand(values)]);
  const merged = b.op('Reshape', [
    b.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
    b.int64([0, 0, numHeads * headDim]),
  ]);
  return { out: b.op('Add', [x, project(b, merged, w.o, layer.accuracyLevel)]), keys, values };
}

/** The feed-forward sub-layer (SwiGLU) on residual stream `x`. */
export function feedForward(b: GraphBuilder, layer: DecoderLayer, x: string): string {
  const { weights: w, config } = layer;
  const xn = rmsNorm(b, x, w.postNorm, config.rmsNormEps);
  const gate = project(b, xn, w.gate, layer.accuracyLevel);
  const activated = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
  const product = b.op('Mul', [activated, project(b, xn, w.up, layer.accuracyLevel)]);
  return b.op('Add', [x, project(b, product, w.down, layer.accuracyLevel)]);
}

/** A projection split into heads: `[batch, seq, count * headDim]` -> `[batch, count, seq, headDim]`. */
function projectHeads(
  b: GraphBuilder,
  xn: string,
  weight: ProjectionWeight,
  bias: string | null,
  count: number,
  headDim: number,
  accuracyLevel: number | undefined,
): string {
  let y = project(b, xn, weight, accuracyLevel);
  if (bias) y = b.op('Add', [y, bias]);
  const split = b.op('Reshape', [y, b.int64([0, 0, count, headDim])]);
  return b.op('Transpose', [split], { perm: [0, 2, 1, 3] });
}

/** Grouped-query attention: each K/V head serves `numHeads / numKvHeads` query heads. */
function expandKvHeads(b: GraphBuilder, t: string, config: DecoderConfig): string {
  const { numHeads, numKvHeads, headDim } = config;
  const group = numHeads / numKvHeads;
  if (group === 1) return t;
  // [b, kvH, S, d] -> [b, kvH, group, S, d] -> [b, H, S, d]: head h reads kv head h / group.
  const shape = b.op('Shape', [t]);
  const dims5 = b.op(
    'Concat',
    [
      b.op('Slice', [shape, b.int64([0]), b.int64([2])]),
      b.int64([group]),
      b.op('Slice', [shape, b.int64([2]), b.int64([4])]),
    ],
    { axis: 0 },
  );
  const expanded = b.op('Expand', [b.op('Unsqueeze', [t, b.int64([2])]), dims5]);
  return b.op('Reshape', [expanded, b.int64([0, numHeads, -1, headDim])]);
}

/** Causal mask over this layer's own cache: new token i sees the past and new tokens <= i. */
function causalMask(b: GraphBuilder, keys: string, q: string): string {
  const total = b.op('Slice', [b.op('Shape', [keys]), b.int64([2]), b.int64([3])]);
  const seq = b.op('Slice', [b.op('Shape', [q]), b.int64([2]), b.int64([3])]);
  const past = b.op('Sub', [total, seq]);
  const rows = b.op('Add', [
    b.op('Unsqueeze', [
      b.op('Range', [b.int64([0], []), b.op('Squeeze', [seq]), b.int64([1], [])]),
      b.int64([1]),
    ]),
    past,
  ]);
  const cols = b.op('Unsqueeze', [
    b.op('Range', [b.int64([0], []), b.op('Squeeze', [total]), b.int64([1], [])]),
    b.int64([0]),
  ]);
  return b.op('Where', [
    b.op('Greater', [cols, rows]),
    b.float32([-Infinity], []),
    b.float32([0], []),
  ]);
}
