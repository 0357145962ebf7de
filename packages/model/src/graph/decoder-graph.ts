import { LiteStageError } from '@litestage/errors';
import type { DecoderConfig } from '../decoder-config.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import type { Graph, Initializer, OnnxModel } from '../onnx/onnx-model.js';
import {
  BUNDLE_CACHE_NAMES,
  declareSequenceLengths,
  fusedDecoderLayers,
  fusedLogits,
} from './fused-decoder-graph.js';
import { asFloat32, lastPositions, rmsNorm, writeLmHead } from './graph-ops.js';
import type { PreparedWeights } from './prepared-weights.js';
import { addAttention, addFeedForward, type Gates } from './sub-layer-gates.js';
import type { RotaryTables } from './sub-layers.js';

/**
 * The skippable decoder graph (DESIGN.md, "The skippable decoder graph"), in one of two
 * flavours with the same inputs, outputs and numbers:
 *
 * - `fused` (the default): onnxruntime's contrib ops, which run on onnxruntime-node CPU and
 *   onnxruntime-web wasm and WebGPU: `SimplifiedLayerNormalization` /
 *   `com.microsoft.SkipSimplifiedLayerNormalization` (each residual add fused with the norm
 *   after it), `com.microsoft.RotaryEmbedding` with explicit `position_ids`,
 *   `com.microsoft.GroupQueryAttention` over each layer's own cache, and one product each for
 *   Q/K/V and for gate/up. A few dozen kernels a decode step instead of hundreds.
 * - `standard`: standard ONNX ops only (except `MatMulNBits` for 4-bit weights), for
 *   runtimes without the contrib ops.
 *
 * Inputs: `input_ids` and `position_ids` `[batch, seq]` (int64); `logits_to_keep` `[1]`
 * (int64: logits of the last N positions); per layer `past_key.{j}` / `past_value.{j}`
 * `[batch, kvHeads, past_j, headDim]`, whose lengths may differ between layers; in the fused
 * graph, per layer, `seqlens_k.{j}` `[batch]` (int32, past_j + seq - 1) and
 * `total_sequence_length.{j}` `[1]` (int32, past_j + seq), as GroupQueryAttention takes
 * them; and in the gated graph `skip_attn` / `skip_ffn` `[numLayers]` (bool).
 *
 * Outputs: `logits` `[batch, N, vocab]`, `present_key.{j}` / `present_value.{j}`, and in the
 * gated graph built with `cosines` (the search graph) `cos_attn` / `cos_ffn`
 * `[numLayers, batch, seq]`: per token, the cosine between the residual stream before and
 * after each sub-layer (1 when skipped). The run graph leaves them out: computed inside the
 * `If` branches, onnxruntime cannot prune them when they are not fetched.
 *
 * Every sub-layer of the gated graph sits in an `If` on its skip flag; the skip branch is
 * the identity on the residual stream and leaves the layer's cache unchanged (or, with
 * `propagateKv`, still appends the K/V projections of the new tokens).
 */
export type GraphFlavour = 'fused' | 'standard';

export const GRAPH_FLAVOURS: readonly GraphFlavour[] = ['fused', 'standard'];

export interface DecoderGraphOptions {
  /** `If`-gated sub-layers with skip inputs; false builds the plain graph. */
  readonly gated: boolean;
  /** The ops the graph is made of. Default `fused`. */
  readonly flavour?: GraphFlavour;
  /** The `cos_attn` / `cos_ffn` outputs (gated graph only: the search graph). Default false. */
  readonly cosines?: boolean;
  /** A skipped attention sub-layer still writes its K/V (the `propagate` KV policy). */
  readonly propagateKv?: boolean;
  /**
   * `MatMulNBits`' `accuracy_level` for 4-bit weights (0 or unset: the op's default; 4: int8
   * activations, faster on CPUs with int8 dot products, less exact).
   */
  readonly accuracyLevel?: number;
  readonly name?: string;
  readonly producerVersion?: string;
}

export const OPSET = 17;
export const IR_VERSION = 8;

/** The opsets every decoder graph declares: standard ONNX and onnxruntime's contrib ops. */
export const DECODER_OPSETS = [
  { domain: '', version: OPSET },
  { domain: 'com.microsoft', version: 1 },
] as const;

export function buildDecoderModel(
  config: DecoderConfig,
  weights: PreparedWeights,
  initializers: readonly Initializer[],
  options: DecoderGraphOptions,
): OnnxModel {
  const graph = buildDecoderGraph(config, weights, initializers, options);
  return {
    irVersion: IR_VERSION,
    opsets: DECODER_OPSETS,
    producerName: '@litestage/model',
    producerVersion: options.producerVersion ?? '0.0.0',
    graph,
    metadata: {
      'litestage.gated': String(options.gated),
      'litestage.propagate_kv': String(Boolean(options.propagateKv)),
      'litestage.cosines': String(Boolean(options.gated && options.cosines)),
      'litestage.graph_flavour': options.flavour ?? 'fused',
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
  const g = new GraphBuilder(options.name ?? 'litestage_decoder');
  for (const init of initializers) g.initializer(init);
  const flavour = options.flavour ?? 'fused';
  if (flavour === 'fused') checkFusable(config);
  const inputs = declareInputs(g, config, options.gated);
  if (flavour === 'fused') declareSequenceLengths(g, config.numLayers);
  const propagateKv = Boolean(options.propagateKv);
  const cosines = Boolean(options.gated && options.cosines);
  const ones = cosines ? onesPerToken(g, inputs.inputIds) : null;

  let cosAttn: string[] = [];
  let cosFfn: string[] = [];
  if (flavour === 'fused') {
    const layers = fusedDecoderLayers(
      g,
      config,
      weights,
      { ...inputs, ones, cache: BUNDLE_CACHE_NAMES },
      { propagateKv, accuracyLevel: options.accuracyLevel },
    );
    ({ cosAttn, cosFfn } = layers);
    fusedLogits(g, config, weights, layers.normed, inputs.logitsToKeep, options.accuracyLevel);
  } else {
    ({ cosAttn, cosFfn } = standardDecoderLayers(g, config, weights, inputs, {
      ones,
      propagateKv,
      accuracyLevel: options.accuracyLevel,
    }));
  }

  declareOutputs(g, config);
  if (cosines) {
    stackCosines(g, cosAttn, 'cos_attn', config.numLayers);
    stackCosines(g, cosFfn, 'cos_ffn', config.numLayers);
  }
  return g.build();
}

/**
 * Why the fused graph cannot express this model (GroupQueryAttention's limits), or null when
 * it can.
 */
export function fusedGraphProblem(config: DecoderConfig): string | null {
  if (config.headDim % 8 !== 0) {
    return `the fused graph needs a head dimension that is a multiple of 8 (GroupQueryAttention); this model's is ${config.headDim}`;
  }
  return null;
}

/** Throws a `GraphFlavourError` saying why, when the fused graph cannot express `config`. */
export function checkFusable(config: DecoderConfig): void {
  const problem = fusedGraphProblem(config);
  if (problem) {
    throw new GraphFlavourError(problem, { hint: 'build the standard graph flavour instead' });
  }
}

/** A model the requested graph flavour cannot express. */
export class GraphFlavourError extends LiteStageError {
  override readonly name = 'GraphFlavourError';
}

/** The standard-op layers and logits; returns the per-layer cosines (search graph). */
function standardDecoderLayers(
  g: GraphBuilder,
  config: DecoderConfig,
  weights: PreparedWeights,
  inputs: DecoderInputs,
  build: {
    readonly ones: string | null;
    readonly propagateKv: boolean;
    readonly accuracyLevel: number | undefined;
  },
): { cosAttn: string[]; cosFfn: string[] } {
  const cosAttn: string[] = [];
  const cosFfn: string[] = [];
  let hidden = embedTokens(g, weights, inputs.inputIds);
  const rotary = rotaryTables(g, weights, inputs.positionIds);
  const attnGates: Gates | null = inputs.skipAttn
    ? { skipFlags: inputs.skipAttn, ones: build.ones, propagateKv: build.propagateKv }
    : null;
  const ffnGates: Gates | null = inputs.skipFfn
    ? { skipFlags: inputs.skipFfn, ones: build.ones, propagateKv: build.propagateKv }
    : null;
  for (let index = 0; index < config.numLayers; index++) {
    const layerWeights = weights.layers[index];
    if (!layerWeights) throw new Error(`prepared weights lack layer ${index}`);
    const layer = {
      index,
      config,
      weights: layerWeights,
      rotary,
      pastKey: `past_key.${index}`,
      pastValue: `past_value.${index}`,
      accuracyLevel: build.accuracyLevel,
    };
    const attn = addAttention(g, layer, hidden, attnGates);
    if (attn.cosine) cosAttn.push(attn.cosine);
    const ffn = addFeedForward(g, layer, attn.hidden, ffnGates);
    if (ffn.cosine) cosFfn.push(ffn.cosine);
    hidden = ffn.hidden;
  }
  writeLogits(g, config, weights, hidden, inputs.logitsToKeep, build.accuracyLevel);
  return { cosAttn, cosFfn };
}

interface DecoderInputs {
  readonly inputIds: string;
  readonly positionIds: string;
  readonly logitsToKeep: string;
  /** The skip flags, in the gated graph only. */
  readonly skipAttn: string | null;
  readonly skipFfn: string | null;
}

/** The token inputs, the skip flags (gated graph) and one past K/V pair per layer. */
function declareInputs(g: GraphBuilder, config: DecoderConfig, gated: boolean): DecoderInputs {
  const { numLayers, numKvHeads, headDim } = config;
  const inputIds = g.input({ name: 'input_ids', type: 'int64', shape: ['batch', 'seq'] });
  const positionIds = g.input({ name: 'position_ids', type: 'int64', shape: ['batch', 'seq'] });
  const logitsToKeep = g.input({ name: 'logits_to_keep', type: 'int64', shape: [1] });
  const skipAttn = gated ? g.input({ name: 'skip_attn', type: 'bool', shape: [numLayers] }) : null;
  const skipFfn = gated ? g.input({ name: 'skip_ffn', type: 'bool', shape: [numLayers] }) : null;
  for (let j = 0; j < numLayers; j++) {
    for (const kind of ['key', 'value']) {
      g.input({
        name: `past_${kind}.${j}`,
        type: 'float',
        shape: ['batch', numKvHeads, `past_${j}`, headDim],
      });
    }
  }
  return { inputIds, positionIds, logitsToKeep, skipAttn, skipFfn };
}

function embedTokens(g: GraphBuilder, weights: PreparedWeights, inputIds: string): string {
  return g.op('Gather', [asFloat32(g, weights.embed.name, weights.embed.stored), inputIds], {
    axis: 0,
  });
}

/** Cos/sin rows for the step's positions, gathered once for every layer. */
function rotaryTables(
  g: GraphBuilder,
  weights: PreparedWeights,
  positionIds: string,
): RotaryTables {
  const rows = (table: string) => {
    const half = g.op('Gather', [table, positionIds], { axis: 0 });
    const full = g.op('Concat', [half, half], { axis: -1 });
    return g.op('Unsqueeze', [full, g.int64([1])]);
  };
  return { cos: rows(weights.ropeCos), sin: rows(weights.ropeSin) };
}

/** `[batch, seq]` ones: the cosine a skipped sub-layer reports. */
function onesPerToken(g: GraphBuilder, inputIds: string): string {
  const batchSeq = g.op('Shape', [inputIds]);
  return g.op('ConstantOfShape', [batchSeq], {
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
}

/** `logits`: the final norm and LM head over the last `logits_to_keep` positions. */
function writeLogits(
  g: GraphBuilder,
  config: DecoderConfig,
  weights: PreparedWeights,
  hidden: string,
  logitsToKeep: string,
  accuracyLevel: number | undefined,
): void {
  const kept = lastPositions(g, hidden, logitsToKeep);
  const normed = rmsNorm(g, kept, weights.finalNorm, config.rmsNormEps);
  writeLmHead(g, config.hiddenSize, weights, normed, accuracyLevel);
}

/** `logits`, then one present K/V pair per layer. */
function declareOutputs(g: GraphBuilder, config: DecoderConfig): void {
  const { numLayers, numKvHeads, headDim } = config;
  g.output({ name: 'logits', type: 'float', shape: ['batch', 'kept', config.vocabSize] });
  for (let j = 0; j < numLayers; j++) {
    for (const kind of ['key', 'value']) {
      g.output({
        name: `present_${kind}.${j}`,
        type: 'float',
        shape: ['batch', numKvHeads, `total_${j}`, headDim],
      });
    }
  }
}

/** Per-layer cosines `[batch, seq]` stacked into the output `[numLayers, batch, seq]`. */
function stackCosines(g: GraphBuilder, names: string[], output: string, numLayers: number): void {
  g.opInto(
    'Concat',
    names.map((n) => g.op('Unsqueeze', [n, g.int64([0])])),
    [output],
    { axis: 0 },
  );
  g.output({ name: output, type: 'float', shape: [numLayers, 'batch', 'seq'] });
}
