import type { DecoderConfig } from '../decoder-config.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import type { Graph, Initializer, OnnxModel } from '../onnx/onnx-model.js';
import type { PreparedWeights, ProjectionWeight } from './prepared-weights.js';

/**
 * The skippable decoder graph (DESIGN.md, "The skippable decoder graph").
 *
 * Inputs: `input_ids` and `position_ids` `[batch, seq]` (int64); `logits_to_keep` `[1]`
 * (int64: logits of the last N positions); per layer `past_key.{j}` / `past_value.{j}`
 * `[batch, kvHeads, past_j, headDim]`, whose lengths may differ between layers; and in the
 * gated graph `skip_attn` / `skip_ffn` `[numLayers]` (bool).
 *
 * Outputs: `logits` `[batch, N, vocab]`, `present_key.{j}` / `present_value.{j}`, and in the
 * gated graph `cos_attn` / `cos_ffn` `[numLayers, batch, seq]`: per token, the cosine
 * between the residual stream before and after each sub-layer (1 when skipped).
 *
 * Every sub-layer of the gated graph sits in an `If` on its skip flag; the skip branch is
 * the identity on the residual stream and leaves the layer's cache unchanged (or, with
 * `propagateKv`, still appends the K/V projections of the new tokens). Only standard ONNX
 * ops are used except `com.microsoft.MatMulNBits` for 4-bit weights, so the graph runs on
 * every onnxruntime backend.
 */
export interface DecoderGraphOptions {
  /** `If`-gated sub-layers with skip inputs and cosine outputs; false builds the plain graph. */
  readonly gated: boolean;
  /** A skipped attention sub-layer still writes its K/V (the `propagate` KV policy). */
  readonly propagateKv?: boolean;
  readonly name?: string;
  readonly producerVersion?: string;
}

export const OPSET = 17;
export const IR_VERSION = 8;

export function buildDecoderModel(
  config: DecoderConfig,
  weights: PreparedWeights,
  initializers: readonly Initializer[],
  options: DecoderGraphOptions,
): OnnxModel {
  const graph = buildDecoderGraph(config, weights, initializers, options);
  return {
    irVersion: IR_VERSION,
    opsets: [
      { domain: '', version: OPSET },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: '@litestage/model',
    producerVersion: options.producerVersion ?? '0.0.0',
    graph,
    metadata: {
      'litestage.gated': String(options.gated),
      'litestage.propagate_kv': String(Boolean(options.propagateKv)),
    },
  };
}

/** The graph alone; `initializers` are the tensors `prepareWeights` gave the sink. */
export function buildDecoderGraph(
  config: DecoderConfig,
  weights: PreparedWeights,
  initializers: readonly Initializer[],
  options: DecoderGraphOptions,
): Graph {
  const { numLayers, numHeads, numKvHeads, headDim, hiddenSize } = config;
  const g = new GraphBuilder(options.name ?? 'litestage_decoder');
  for (const init of initializers) g.initializer(init);
  const gated = options.gated;
  const propagate = Boolean(options.propagateKv);

  const inputIds = g.input({ name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] });
  const positionIds = g.input({ name: 'position_ids', type: 'int64', shape: ['batch', 'seq'] });
  const logitsToKeep = g.input({ name: 'logits_to_keep', type: 'int64', shape: [1] });
  const skipAttn = gated ? g.input({ name: 'skip_attn', type: 'bool', shape: [numLayers] }) : '';
  const skipFfn = gated ? g.input({ name: 'skip_ffn', type: 'bool', shape: [numLayers] }) : '';
  for (let j = 0; j < numLayers; j++) {
    g.input({
      name: `past_key.${j}`,
      type: 'float',
      shape: ['batch', numKvHeads, `past_${j}`, headDim],
    });
    g.input({
      name: `past_value.${j}`,
      type: 'float',
      shape: ['batch', numKvHeads, `past_${j}`, headDim],
    });
  }

  const asFloat = (b: GraphBuilder, name: string, stored: 'float' | 'float16') =>
    stored === 'float16' ? b.op('Cast', [name], { to: 1 }) : name;

  // Embedding lookup.
  let hidden = g.op('Gather', [asFloat(g, weights.embed.name, weights.embed.stored), inputIds], {
    axis: 0,
  });

  // Rotary tables for these positions, shared by every layer: [batch, 1, seq, headDim].
  const rotary = (table: string) => {
    const rows = g.op('Gather', [table, positionIds], { axis: 0 });
    const full = g.op('Concat', [rows, rows], { axis: -1 });
    return g.op('Unsqueeze', [full, g.int64([1])]);
  };
  const cos = rotary(weights.ropeCos);
  const sin = rotary(weights.ropeSin);

  // Shapes used to reshape heads: [batch, seq].
  const batchSeq = g.op('Shape', [inputIds]);
  const ones = g.op('ConstantOfShape', [batchSeq], {
    value: {
      kind: 'tensor',
      value: {
        name: 'one',
        type: 'float',
        dims: [1],
        data: { kind: 'inline', bytes: new Uint8Array(new Float32Array([1]).buffer) },
      },
    },
  });

  const cosAttn: string[] = [];
  const cosFfn: string[] = [];

  for (let j = 0; j < numLayers; j++) {
    const w = weights.layers[j];
    if (!w) throw new Error(`prepared weights lack layer ${j}`);
    const pastK = `past_key.${j}`;
    const pastV = `past_value.${j}`;

    // --- attention sub-layer ---
    const attend = (b: GraphBuilder, x: string, runAttention: boolean) => {
      const xn = rmsNorm(b, x, w.inputNorm, config.rmsNormEps);
      const heads = (weight: ProjectionWeight, bias: string | null, count: number) => {
        let y = project(b, xn, weight);
        if (bias) y = b.op('Add', [y, bias]);
        const split = b.op('Reshape', [y, b.int64([0, 0, count, headDim])]);
        return b.op('Transpose', [split], { perm: [0, 2, 1, 3] });
      };
      const k = applyRotary(b, heads(w.k, w.kBias, numKvHeads), cos, sin, headDim);
      const v = heads(w.v, w.vBias, numKvHeads);
      const keys = b.op('Concat', [pastK, k], { axis: 2 });
      const values = b.op('Concat', [pastV, v], { axis: 2 });
      if (!runAttention) return { out: x, keys, values };
      const q = applyRotary(b, heads(w.q, w.qBias, numHeads), cos, sin, headDim);
      const group = numHeads / numKvHeads;
      const expand = (t: string) => {
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
      };
      const scores = b.op('Mul', [
        b.op('MatMul', [q, b.op('Transpose', [expand(keys)], { perm: [0, 1, 3, 2] })]),
        b.float32([1 / Math.sqrt(headDim)], []),
      ]);
      // Causal mask over this layer's own cache: new token i sees the past and new tokens <= i.
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
      const mask = b.op('Where', [
        b.op('Greater', [cols, rows]),
        b.float32([-Infinity], []),
        b.float32([0], []),
      ]);
      const probs = b.op('Softmax', [b.op('Add', [scores, mask])], { axis: -1 });
      const context = b.op('MatMul', [probs, expand(values)]);
      const merged = b.op('Reshape', [
        b.op('Transpose', [context], { perm: [0, 2, 1, 3] }),
        b.int64([0, 0, numHeads * headDim]),
      ]);
      const out = b.op('Add', [x, project(b, merged, w.o)]);
      return { out, keys, values };
    };

    if (!gated) {
      const r = attend(g, hidden, true);
      g.opInto('Identity', [r.keys], [`present_key.${j}`]);
      g.opInto('Identity', [r.values], [`present_value.${j}`]);
      hidden = r.out;
    } else {
      const run = g.subgraph(`attn_${j}_run`);
      const ran = attend(run, hidden, true);
      const runCos = cosine(run, hidden, ran.out);
      branchOutputs(run, [ran.out, ran.keys, ran.values, runCos]);

      const skip = g.subgraph(`attn_${j}_skip`);
      if (propagate) {
        const kept = attend(skip, hidden, false);
        branchOutputs(skip, [
          skip.op('Identity', [hidden]),
          kept.keys,
          kept.values,
          skip.op('Identity', [ones]),
        ]);
      } else {
        branchOutputs(skip, [
          skip.op('Identity', [hidden]),
          skip.op('Identity', [pastK]),
          skip.op('Identity', [pastV]),
          skip.op('Identity', [ones]),
        ]);
      }
      const cond = g.op('Gather', [skipAttn, g.int64([j], [])], { axis: 0 });
      const [out, keys, values, c] = g.opN('If', [cond], 4, {
        then_branch: skip.build(),
        else_branch: run.build(),
      }) as [string, string, string, string];
      g.opInto('Identity', [keys], [`present_key.${j}`]);
      g.opInto('Identity', [values], [`present_value.${j}`]);
      cosAttn.push(c);
      hidden = out;
    }

    // --- feed-forward sub-layer ---
    const feedForward = (b: GraphBuilder, x: string) => {
      const xn = rmsNorm(b, x, w.postNorm, config.rmsNormEps);
      const gate = project(b, xn, w.gate);
      const activated = b.op('Mul', [gate, b.op('Sigmoid', [gate])]);
      const product = b.op('Mul', [activated, project(b, xn, w.up)]);
      return b.op('Add', [x, project(b, product, w.down)]);
    };
    if (!gated) {
      hidden = feedForward(g, hidden);
    } else {
      const run = g.subgraph(`ffn_${j}_run`);
      const out = feedForward(run, hidden);
      branchOutputs(run, [out, cosine(run, hidden, out)]);
      const skip = g.subgraph(`ffn_${j}_skip`);
      branchOutputs(skip, [skip.op('Identity', [hidden]), skip.op('Identity', [ones])]);
      const cond = g.op('Gather', [skipFfn, g.int64([j], [])], { axis: 0 });
      const [next, c] = g.opN('If', [cond], 2, {
        then_branch: skip.build(),
        else_branch: run.build(),
      }) as [string, string];
      cosFfn.push(c);
      hidden = next;
    }
  }

  // Logits of the last `logits_to_keep` positions.
  const kept = g.op('Slice', [
    hidden,
    g.op('Neg', [logitsToKeep]),
    g.int64([2 ** 53 - 1]),
    g.int64([1]),
  ]);
  const normed = rmsNorm(g, kept, weights.finalNorm, config.rmsNormEps);
  const flat = g.op('Reshape', [normed, g.int64([-1, hiddenSize])]);
  const head = asFloat(g, weights.lmHead.name, weights.lmHead.stored);
  const logits2d = g.op('Gemm', [flat, head], { transB: 1 });
  const outShape = g.op(
    'Concat',
    [g.op('Slice', [g.op('Shape', [kept]), g.int64([0]), g.int64([2])]), g.int64([-1])],
    { axis: 0 },
  );
  g.opInto('Reshape', [logits2d, outShape], ['logits']);

  g.output({ name: 'logits', type: 'float', shape: ['batch', 'kept', config.vocabSize] });
  for (let j = 0; j < numLayers; j++) {
    g.output({
      name: `present_key.${j}`,
      type: 'float',
      shape: ['batch', numKvHeads, `total_${j}`, headDim],
    });
    g.output({
      name: `present_value.${j}`,
      type: 'float',
      shape: ['batch', numKvHeads, `total_${j}`, headDim],
    });
  }
  if (gated) {
    const stack = (names: string[], output: string) => {
      g.opInto(
        'Concat',
        names.map((n) => g.op('Unsqueeze', [n, g.int64([0])])),
        [output],
        { axis: 0 },
      );
      g.output({ name: output, type: 'float', shape: [numLayers, 'batch', 'seq'] });
    };
    stack(cosAttn, 'cos_attn');
    stack(cosFfn, 'cos_ffn');
  }
  return g.build();
}

function branchOutputs(b: GraphBuilder, values: readonly string[]): void {
  for (const value of values) {
    const name = b.op('Identity', [value]);
    b.output({ name, type: 'float' });
  }
}

/** RMSNorm in standard ops: x / sqrt(mean(x^2) + eps) * weight. */
function rmsNorm(b: GraphBuilder, x: string, weight: string, eps: number): string {
  const meanSquare = b.op('ReduceMean', [b.op('Mul', [x, x])], { axes: [-1], keepdims: 1 });
  const denominator = b.op('Sqrt', [b.op('Add', [meanSquare, b.float32([eps], [])])]);
  return b.op('Mul', [b.op('Div', [x, denominator]), weight]);
}

/** Rotates halves: x * cos + rotate_half(x) * sin, with rotate_half(x) = [-x2, x1]. */
function applyRotary(
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
function cosine(b: GraphBuilder, x: string, y: string): string {
  const axes = b.int64([-1]);
  const dot = b.op('ReduceSum', [b.op('Mul', [x, y]), axes], { keepdims: 0 });
  const nx = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [x, x]), axes], { keepdims: 0 })]);
  const ny = b.op('Sqrt', [b.op('ReduceSum', [b.op('Mul', [y, y]), axes], { keepdims: 0 })]);
  return b.op('Div', [dot, b.op('Add', [b.op('Mul', [nx, ny]), b.float32([1e-12], [])])]);
}

/** x @ W for a Linear weight in whatever form it was stored. */
function project(b: GraphBuilder, x: string, weight: ProjectionWeight): string {
  switch (weight.kind) {
    case 'float':
      return b.op('MatMul', [
        x,
        weight.stored === 'float16' ? b.op('Cast', [weight.name], { to: 1 }) : weight.name,
      ]);
    case 'int8':
      return b.op('MatMul', [
        x,
        b.op('DequantizeLinear', [weight.name, weight.scale, weight.zeroPoint], { axis: 1 }),
      ]);
    case 'int4':
      return b.op(
        'MatMulNBits',
        [x, weight.name, weight.scales],
        {
          K: weight.inFeatures,
          N: weight.outFeatures,
          bits: 4,
          block_size: 32,
        },
        'com.microsoft',
      );
  }
}
