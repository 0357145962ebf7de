import type { DecoderConfig } from '../decoder-config.js';
import { GraphBuilder } from '../onnx/graph-builder.js';
import { type Initializer, type OnnxModel, TensorType } from '../onnx/onnx-model.js';
import { checkFusable, DECODER_OPSETS, IR_VERSION } from './decoder-graph.js';
import { type FusedCacheNames, fusedDecoderLayers, fusedLogits } from './fused-decoder-graph.js';
import type { PreparedWeights } from './prepared-weights.js';

/** The cache names transformers.js feeds and reads (Optimum's). */
export const OPTIMUM_CACHE_NAMES = {
  pastKey: (j: number) => `past_key_values.${j}.key`,
  pastValue: (j: number) => `past_key_values.${j}.value`,
  presentKey: (j: number) => `present.${j}.key`,
  presentValue: (j: number) => `present.${j}.value`,
} as const;

export interface OptimumGraphOptions {
  /** `MatMulNBits`' `accuracy_level` for 4-bit weights. */
  readonly accuracyLevel?: number;
  readonly producerVersion?: string;
}

/**
 * The plain fused decoder graph (no gates, no cosines) under the names transformers.js
 * (`@huggingface/transformers`) feeds a causal LM exported by Optimum:
 *
 * - inputs `input_ids`, `attention_mask` (`[batch_size, total_sequence_length]`, past and
 *   new tokens), `position_ids`, per layer `past_key_values.{i}.key` / `.value`
 *   (`[batch_size, kvHeads, past_sequence_length, headDim]`), and `num_logits_to_keep` (a
 *   scalar: the logits of the last N positions, 0 for all);
 * - outputs `logits` and per layer `present.{i}.key` / `.value`.
 *
 * transformers.js names the batch dimension `batch_size` when it builds the empty cache of the
 * first step (other symbolic dimensions become 0), so the cache inputs must use that name.
 * Every layer's cache has the same length here, so GroupQueryAttention's lengths are computed
 * once from the attention mask, as onnxruntime-genai's model builder does:
 * `seqlens_k = sum(attention_mask) - 1`, `total_sequence_length = attention_mask.shape[1]`.
 */
export function buildOptimumDecoderModel(
  config: DecoderConfig,
  weights: PreparedWeights,
  initializers: readonly Initializer[],
  options: OptimumGraphOptions = {},
): OnnxModel {
  checkFusable(config);
  const { numLayers, numKvHeads, headDim } = config;
  const g = new GraphBuilder('litestage_decoder_optimum');
  for (const init of initializers) g.initializer(init);
  const tokens = ['batch_size', 'sequence_length'];
  const inputIds = g.input({ name: 'input_ids', type: 'int64', shape: tokens });
  const attentionMask = g.input({
    name: 'attention_mask',
    type: 'int64',
    shape: ['batch_size', 'total_sequence_length'],
  });
  const positionIds = g.input({ name: 'position_ids', type: 'int64', shape: tokens });
  for (let j = 0; j < numLayers; j++) {
    for (const name of [OPTIMUM_CACHE_NAMES.pastKey(j), OPTIMUM_CACHE_NAMES.pastValue(j)]) {
      g.input({
        name,
        type: 'float',
        shape: ['batch_size', numKvHeads, 'past_sequence_length', headDim],
      });
    }
  }
  const logitsToKeep = g.input({ name: 'num_logits_to_keep', type: 'int64', shape: [] });

  const int32 = TensorType.int32;
  const seqlensK = g.op(
    'Cast',
    [
      g.op('Sub', [
        g.op('ReduceSum', [attentionMask, g.int64([1])], { keepdims: 0 }),
        g.int64([1], []),
      ]),
    ],
    { to: int32 },
  );
  const total = g.op('Cast', [g.op('Shape', [attentionMask], { start: 1, end: 2 })], {
    to: int32,
  });
  const cache: FusedCacheNames = {
    ...OPTIMUM_CACHE_NAMES,
    seqlensK: () => seqlensK,
    totalSequenceLength: () => total,
  };
  const { normed } = fusedDecoderLayers(
    g,
    config,
    weights,
    { inputIds, positionIds, skipAttn: null, skipFfn: null, ones: null, cache },
    { propagateKv: false, accuracyLevel: options.accuracyLevel },
  );
  const keep = g.op('Reshape', [logitsToKeep, g.int64([1])]);
  fusedLogits(g, config, weights, normed, keep, options.accuracyLevel);

  g.output({
    name: 'logits',
    type: 'float',
    shape: ['batch_size', 'logits_sequence_length', config.vocabSize],
  });
  for (let j = 0; j < numLayers; j++) {
    for (const name of [OPTIMUM_CACHE_NAMES.presentKey(j), OPTIMUM_CACHE_NAMES.presentValue(j)]) {
      g.output({
        name,
        type: 'float',
        shape: ['batch_size', numKvHeads, 'total_sequence_length', headDim],
      });
    }
  }
  return {
    irVersion: IR_VERSION,
    opsets: DECODER_OPSETS,
    producerName: '@litestage/model',
    producerVersion: options.producerVersion ?? '0.0.0',
    graph: g.build(),
    metadata: { 'litestage.layout': 'optimum', 'litestage.graph_flavour': 'fused' },
  };
}
