import type { GraphBuilder } from '../onnx/graph-builder.js';
import type { PreparedWeights, ProjectionWeight } from './prepared-weights.js';

/** A stored float tensor as float32: float16 weights are cast in the graph. */
export function asFloat32(b: GraphBuilder, name: string, stored: 'float' | 'float16'): string {
  return stored === 'float16' ? b.op('Cast', [name], { to: 1 }) : name;
}

/** RMSNorm in standard ops: x / sqrt(mean(x^2) + eps) * weight. */
export function rmsNorm(b: GraphBuilder, x: string, weight: string, eps: number): string {
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const denominator = b.op('Sqrt', [b.op('Add', [meanSquare, b.float32([eps], [])])]);
  return b.op('Mul', [b.op('Div', [x, denominator]), weight]);
}

/** Rotates halves: x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]. */
export function applyRotary(
  b: GraphBuilder,
  x: string,
  cos: string,
  sin: string,
  headDim: number,
): string {
  const half = headDim / 2;
  const x1 = b.op('Slice', [x, b.int64([0]), b.int64([half]), b.int64([-1])]);
  const x2 = b.op('Slice', [x, b.int64([half]), b.int64([headDim]), b.int64([-1])]);
  const rotated = b.op('Concat', [b.op('Neg', [x2]), x1], { axis: -1 });
  return b.op('Add', [b.op('Mul', [x, cos]), b.op('Mul', [rotated, sin])]);
}

/** Per-token cosine between two `[batch, seq, hidden]` tensors: `[batch, seq]`. */
export function cosine(b: GraphBuilder, x: string, y: string): string {
  const axes = b.int64([-1]);
  const dot = b.op('ReduceSum', [b.op('Mul', [x, y]), axes], { keepdims: 0 });
  const nx = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), axes], { keepdims: 0 })]);
  const ny = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [y, y]), axes], { keepdims: 0 })]);
  return b.op('Div', [dot, b.op('Add', [b.op('Mul', [nx, ny]), b.float32([1e-12], [])])]);
}

/**
 * x @ W for a Linear weight in whatever form it was stored. `accuracyLevel` is
 * `MatMulNBits`' minimum accuracy of its input (4: int8 activations), for 4-bit weights.
 */
export function project(
  b: GraphBuilder,
  x: string,
  weight: ProjectionWeight,
  accuracyLevel?: number,
): string {
  switch (weight.kind) {
    case 'float':
      return b.op('MatMul', [x, asFloat32(b, weight.name, weight.stored)]);
    case 'int8':
      return b.op('MatMul', [
        x,
        b.op('DequantizeLinear', [weight.name, weight.scale, weight.zeroPoint], { axis: 1 }),
      ]);
    case 'int8-blocks':
      // Accuracy level 4 always: onnxruntime's 8-bit CPU kernel without int8 activations is
      // a slow fallback (about 80x slower on an LM head).
      return matMulNBits(b, x, weight, 8, 4);
    case 'int4':
      return matMulNBits(b, x, weight, 4, accuracyLevel);
  }
}

/** `com.microsoft.MatMulNBits` on block-quantized weights of `bits` bits. */
function matMulNBits(
  b: GraphBuilder,
  x: string,
  weight: Extract<ProjectionWeight, { kind: 'int4' | 'int8-blocks' }>,
  bits: 4 | 8,
  accuracyLevel: number | undefined,
): string {
  return b.op(
    'MatMulNBits',
    [x, weight.name, weight.scales],
    {
      K: weight.inFeatures,
      N: weight.outFeatures,
      bits,
      block_size: weight.blockSize,
      ...(accuracyLevel === undefined ? {} : { accuracy_level: accuracyLevel }),
    },
    'com.microsoft',
  );
}

/** The last `count` positions (a scalar-or-[1] int64 input) of `[batch, seq, ...]` along seq. */
export function lastPositions(b: GraphBuilder, x: string, count: string): string {
  return b.op('Slice', [x, b.op('Neg', [count]), b.int64([2 ** 53 - 1]), b.int64([1])]);
}

/**
 * Writes the `logits` output from final-normed hidden states `[batch, kept, hidden]`: the LM
 * head through `project` when it is quantized, else a `Gemm` against the stored head
 * (transposed in the graph) reshaped back to `[batch, kept, vocab]`.
 */
export function writeLmHead(
  b: GraphBuilder,
  hiddenSize: number,
  weights: Pick<PreparedWeights, 'lmHead' | 'lmHeadQuantized'>,
  normed: string,
  accuracyLevel: number | undefined,
): void {
  if (weights.lmHeadQuantized) {
    b.opInto('Identity', [project(b, normed, weights.lmHeadQuantized, accuracyLevel)], ['logits']);
    return;
  }
  const flat = b.op('Reshape', [normed, b.int64([-1, hiddenSize])]);
  const head = asFloat32(b, weights.lmHead.name, weights.lmHead.stored);
  const logits2d = b.op('Gemm', [flat, head], { transB: 1 });
  const outShape = b.op(
    'Concat',
    [b.op('Slice', [b.op('Shape', [normed]), b.int64([0]), b.int64([2])]), b.int64([-1])],
    { axis: 0 },
  );
  b.opInto('Reshape', [logits2d, outShape], ['logits']);
}
