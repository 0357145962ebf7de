import { describe, expect, it } from 'vitest';
import { hfConfigJson, TINY_LLAMA_CONFIG } from '../testing/tiny-checkpoints.js';
import { CheckpointError } from './checkpoint-error.js';
import { parseHuggingFaceConfig } from './hf-config.js';

const FILE = '/models/tiny/config.json';

/** A minimal config of the given type: only the fields without a default. */
function minimal(modelType: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model_type: modelType,
    vocab_size: 32,
    hidden_size: 16,
    intermediate_size: 40,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    max_position_embeddings: 128,
    ...extra,
  };
}

function refusal(json: unknown): string {
  try {
    parseHuggingFaceConfig(json, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).file).toBe(FILE);
    return (error as Error).message;
  }
  throw new Error('expected the config to be refused');
}

describe('parseHuggingFaceConfig', () => {
  it('reads back what transformers writes', () => {
    expect(parseHuggingFaceConfig(hfConfigJson(TINY_LLAMA_CONFIG, 'llama'), FILE)).toEqual(
      TINY_LLAMA_CONFIG,
    );
  });

  it("fills absent fields with transformers' defaults", () => {
    expect(parseHuggingFaceConfig(minimal('llama'), FILE)).toEqual({
      architecture: 'llama',
      vocabSize: 32,
      hiddenSize: 16,
      intermediateSize: 40,
      numLayers: 2,
      numHeads: 4,
      numKvHeads: 4,
      headDim: 4,
      rmsNormEps: 1e-6,
      ropeTheta: 10000,
      ropeScaling: null,
      ropeStyle: 'half',
      maxPositionEmbeddings: 128,
      tieWordEmbeddings: false,
      attentionBias: false,
      bosTokenId: null,
      eosTokenIds: [],
    });
  });

  it('reads null as absent', () => {
    const config = parseHuggingFaceConfig(
      minimal('llama', {
        head_dim: null,
        num_key_value_heads: null,
        rope_scaling: null,
        eos_token_id: null,
      }),
      FILE,
    );
    expect(config.headDim).toBe(4);
    expect(config.numKvHeads).toBe(4);
    expect(config.eosTokenIds).toEqual([]);
  });

  it('takes an explicit head_dim that differs from hidden / heads', () => {
    const config = parseHuggingFaceConfig(
      minimal('llama', { head_dim: 8, num_key_value_heads: 2 }),
      FILE,
    );
    expect(config.headDim).toBe(8);
    expect(config.numKvHeads).toBe(2);
  });

  it('finds the family from architectures when model_type is absent', () => {
    const json = minimal('qwen2', { architectures: ['Qwen2ForCausalLM'] });
    delete json.model_type;
    const config = parseHuggingFaceConfig(json, FILE);
    expect(config.architecture).toBe('qwen2');
    expect(config.attentionBias).toBe(true);
  });

  it('reads Qwen2 with its sliding-window fields when the window is off', () => {
    const config = parseHuggingFaceConfig(
      minimal('qwen2', {
        use_sliding_window: false,
        sliding_window: 32,
        tie_word_embeddings: true,
      }),
      FILE,
    );
    expect(config.tieWordEmbeddings).toBe(true);
  });

  it('reads Mistral whose window covers every position', () => {
    expect(
      parseHuggingFaceConfig(minimal('mistral', { sliding_window: 128 }), FILE).architecture,
    ).toBe('llama');
  });

  it('reads linear rope scaling under either key name', () => {
    for (const key of ['type', 'rope_type']) {
      const config = parseHuggingFaceConfig(
        minimal('llama', { rope_scaling: { [key]: 'linear', factor: 2 } }),
        FILE,
      );
      expect(config.ropeScaling).toEqual({ type: 'linear', factor: 2 });
    }
  });

  it('reads rope_parameters, as newer transformers write them', () => {
    const config = parseHuggingFaceConfig(
      minimal('llama', {
        rope_parameters: {
          rope_type: 'llama3',
          rope_theta: 500000,
          factor: 32,
          low_freq_factor: 1,
          high_freq_factor: 4,
          original_max_position_embeddings: 64,
        },
      }),
      FILE,
    );
    expect(config.ropeTheta).toBe(500000);
    expect(config.ropeScaling).toEqual({
      type: 'llama3',
      factor: 32,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 64,
    });
    const plain = parseHuggingFaceConfig(
      minimal('llama', { rope_parameters: { rope_type: 'default', rope_theta: 1e6 } }),
      FILE,
    );
    expect([plain.ropeTheta, plain.ropeScaling]).toEqual([1e6, null]);
  });

  const refusals: Array<[unknown, RegExp]> = [
    [minimal('gpt2'), /model_type "gpt2" is not supported.*LlamaForCausalLM/],
    [
      minimal('llama', { architectures: ['LlamaForSequenceClassification'] }),
      /"LlamaForSequenceClassification" is not supported \(expected LlamaForCausalLM\)/,
    ],
    [{ vocab_size: 3 }, /names no model_type or architectures/],
    [[1], /must hold a JSON object/],
    [
      minimal('mistral', { sliding_window: 64 }),
      /sliding_window is 64, shorter than max_position_embeddings \(128\)/,
    ],
    [minimal('qwen2', { use_sliding_window: true }), /use_sliding_window is true/],
    [minimal('llama', { attention_bias: true }), /attention_bias is true/],
    [minimal('llama', { mlp_bias: true }), /mlp_bias is true/],
    [minimal('llama', { hidden_act: 'gelu' }), /hidden_act is "gelu"/],
    [minimal('llama', { hidden_size: 16.5 }), /hidden_size must be a positive integer, got 16.5/],
    [minimal('llama', { num_hidden_layers: undefined }), /num_hidden_layers is missing/],
    [
      minimal('llama', { num_key_value_heads: 3 }),
      /num_key_value_heads \(3\) must divide num_attention_heads \(4\)/,
    ],
    [
      minimal('llama', { hidden_size: 18 }),
      /hidden_size \(18\) is not a multiple of num_attention_heads \(4\)/,
    ],
    [minimal('llama', { head_dim: 3 }), /head_dim \(3\) must be even/],
    [minimal('llama', { rms_norm_eps: '1e-5' }), /rms_norm_eps must be a positive number/],
    [minimal('llama', { tie_word_embeddings: 'yes' }), /tie_word_embeddings must be true or false/],
    [minimal('llama', { eos_token_id: [2, -1] }), /eos_token_id must be a token id or a list/],
    [
      minimal('llama', { rope_scaling: { rope_type: 'yarn', factor: 4 } }),
      /rope_scaling.rope_type "yarn" is not supported; supported rope scaling: linear, llama3/,
    ],
    [
      minimal('llama', { rope_scaling: { type: 'dynamic', factor: 2 } }),
      /"dynamic" is not supported/,
    ],
    [minimal('llama', { rope_scaling: { factor: 2 } }), /rope_scaling.rope_type is missing/],
    [minimal('llama', { rope_scaling: { rope_type: 'linear' } }), /rope_scaling.factor is missing/],
    [
      minimal('llama', {
        rope_scaling: {
          rope_type: 'llama3',
          factor: 8,
          low_freq_factor: 4,
          high_freq_factor: 4,
          original_max_position_embeddings: 64,
        },
      }),
      /high_freq_factor \(4\) must be greater than low_freq_factor \(4\)/,
    ],
    [
      minimal('llama', {
        rope_scaling: { rope_type: 'llama3', factor: 8, low_freq_factor: 1, high_freq_factor: 4 },
      }),
      /rope_scaling.original_max_position_embeddings is missing/,
    ],
  ];
  it.each(refusals.map(([json, message]) => ({ json, message })))(
    'refuses: $message',
    ({ json, message }) => {
      const text = refusal(json);
      expect(text.startsWith(`${FILE}: `)).toBe(true);
      expect(text).toMatch(message);
    },
  );
});
