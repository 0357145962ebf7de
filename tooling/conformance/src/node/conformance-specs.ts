import type { DecoderConfig } from '@litestage/model';
import type { Quantization, WeightDtype } from '@litestage/model/convert';
import { tinyDecoderConfig } from '@litestage/model/testing';

/** How one case's bundle, profile and prompt are made; the expected outputs come from the reference. */
export interface ConformanceSpec {
  readonly name: string;
  readonly description: string;
  readonly config: DecoderConfig;
  /** First seed of the random weights (the generator takes the next ones while a step is a near tie). */
  readonly seed: number;
  readonly dtype: WeightDtype;
  readonly quantization: Quantization;
  readonly propagateKv: boolean;
  /** The sub-layers the profile's stage skips. */
  readonly skip: readonly string[];
  readonly prompt: readonly number[];
  readonly maxNewTokens: number;
  readonly tolerance: number;
  readonly notOn: Readonly<Record<string, string>>;
}

/** The profile stage the cases skip in (TinyThinker's second stage). */
export const CONFORMANCE_STAGE = 'analyze';

/**
 * Two layers, width 32 (a multiple of the int4 block), GQA 4/2 unless a case says otherwise;
 * the vocabulary is the tiny tokenizer's, so the bundle's tokenizer covers every id.
 */
function tiny(overrides: Partial<DecoderConfig>, vocabSize: number): DecoderConfig {
  return tinyDecoderConfig({
    numLayers: 2,
    hiddenSize: 32,
    intermediateSize: 64,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 8,
    maxPositionEmbeddings: 64,
    vocabSize,
    ...overrides,
  });
}

/** Every architecture option the model package's testing helpers make, one case each. */
export function conformanceSpecs(vocab: { llama: number; qwen2: number }): ConformanceSpec[] {
  const base = {
    dtype: 'fp32' as const,
    quantization: 'none' as const,
    propagateKv: false,
    prompt: [1, 40, 77, 130, 9],
    maxNewTokens: 12,
    tolerance: 1e-3,
    notOn: {},
  };
  return [
    {
      ...base,
      name: 'llama-gqa-fp32',
      description: 'Llama, GQA 4 query heads over 2 K/V heads, untied embeddings, fp32',
      config: tiny({}, vocab.llama),
      seed: 101,
      skip: ['1.attn'],
    },
    {
      ...base,
      name: 'llama-mha-tied-fp32',
      description: 'Llama, multi-head attention (4/4), tied embeddings, fp32',
      config: tiny({ numKvHeads: 4, tieWordEmbeddings: true }, vocab.llama),
      seed: 102,
      skip: ['0.ffn'],
    },
    {
      ...base,
      name: 'qwen2-bias-tied-fp32',
      description: 'Qwen2: q/k/v biases, tied embeddings, GQA 4/2, no BOS, fp32',
      config: tiny(
        { architecture: 'qwen2', attentionBias: true, tieWordEmbeddings: true, bosTokenId: null },
        vocab.qwen2,
      ),
      seed: 103,
      skip: ['1.attn', '0.ffn'],
      prompt: [40, 77, 130, 9, 60],
    },
    {
      ...base,
      name: 'llama-propagate-fp32',
      description: 'Llama built for the propagate KV policy: skipped attention still writes K/V',
      config: tiny({}, vocab.llama),
      seed: 104,
      propagateKv: true,
      skip: ['0.attn'],
    },
    {
      ...base,
      name: 'llama-int8',
      description: 'Llama, int8 projections (DequantizeLinear), fp32 activations',
      config: tiny({}, vocab.llama),
      seed: 105,
      quantization: 'int8',
      skip: ['1.ffn'],
    },
    {
      ...base,
      name: 'llama-int4',
      description: 'Llama, 4-bit projections (MatMulNBits, block 32), fp32 activations',
      config: tiny({}, vocab.llama),
      seed: 106,
      quantization: 'int4',
      skip: ['1.attn'],
    },
    {
      ...base,
      name: 'llama-fp16',
      description: 'Llama, fp16 weights',
      config: tiny({}, vocab.llama),
      seed: 107,
      dtype: 'fp16',
      skip: ['0.attn'],
      notOn: {},
    },
  ];
}
