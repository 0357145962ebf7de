import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecoderConfig, StoredDtype, WeightSource } from '../decoder-config.js';
import { HF_CONFIG_FILE, HF_SINGLE_WEIGHTS_FILE, HF_WEIGHTS_INDEX_FILE } from './hf-checkpoint.js';
import { writeSafetensors } from './safetensors.js';

/** The `config.json` transformers would write for `config` (LlamaForCausalLM or Qwen2ForCausalLM). */
export function huggingFaceConfigJson(config: DecoderConfig): Record<string, unknown> {
  const scaling = config.ropeScaling;
  const isQwen = config.architecture === 'qwen2';
  return {
    architectures: [isQwen ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'],
    model_type: config.architecture,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    intermediate_size: config.intermediateSize,
    num_hidden_layers: config.numLayers,
    num_attention_heads: config.numHeads,
    num_key_value_heads: config.numKvHeads,
    head_dim: config.headDim,
    hidden_act: 'silu',
    rms_norm_eps: config.rmsNormEps,
    rope_theta: config.ropeTheta,
    rope_scaling:
      scaling === null
        ? null
        : scaling.type === 'linear'
          ? { rope_type: 'linear', factor: scaling.factor }
          : {
              rope_type: 'llama3',
              factor: scaling.factor,
              low_freq_factor: scaling.lowFreqFactor,
              high_freq_factor: scaling.highFreqFactor,
              original_max_position_embeddings: scaling.originalMaxPositionEmbeddings,
            },
    max_position_embeddings: config.maxPositionEmbeddings,
    tie_word_embeddings: config.tieWordEmbeddings,
    ...(isQwen ? {} : { attention_bias: false, mlp_bias: false }),
    bos_token_id: config.bosTokenId,
    eos_token_id: config.eosTokenIds.length === 1 ? config.eosTokenIds[0] : config.eosTokenIds,
    torch_dtype: 'float32',
  };
}

export interface WriteCheckpointOptions {
  readonly dtype?: StoredDtype;
  /** Number of safetensors shards (with `model.safetensors.index.json`); 1 writes `model.safetensors`. */
  readonly shards?: number;
}

/**
 * Writes `weights` as a Hugging Face checkpoint folder (`config.json` and safetensors), one
 * tensor at a time: for tests and benchmarks that need a checkpoint of a given shape, such
 * as a random model with TinyLlama's configuration. Only llama-style configs with halves
 * rotary can be written (what transformers itself would load).
 */
export async function writeHuggingFaceCheckpoint(
  dir: string,
  config: DecoderConfig,
  weights: WeightSource,
  options: WriteCheckpointOptions = {},
): Promise<void> {
  if (config.ropeStyle !== 'half')
    throw new Error('Hugging Face checkpoints rotate halves; convert the q/k weights first');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, HF_CONFIG_FILE),
    `${JSON.stringify(huggingFaceConfigJson(config), null, 2)}\n`,
  );
  const dtype = options.dtype ?? 'F32';
  const entries = weights.names.map((name) => ({
    name,
    dtype,
    shape: weights.shape(name),
    data: () => weights.read(name),
  }));
  const shards = Math.max(1, options.shards ?? 1);
  if (shards === 1) {
    await writeSafetensors(join(dir, HF_SINGLE_WEIGHTS_FILE), entries, { format: 'pt' });
    return;
  }
  const perShard = Math.ceil(entries.length / shards);
  const weightMap: Record<string, string> = {};
  let totalSize = 0;
  for (let shard = 0; shard < shards; shard++) {
    const file = `model-${String(shard + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const slice = entries.slice(shard * perShard, (shard + 1) * perShard);
    for (const entry of slice) {
      weightMap[entry.name] = file;
      totalSize += entry.shape.reduce((a, b) => a * b, 1) * (dtype === 'F32' ? 4 : 2);
    }
    await writeSafetensors(join(dir, file), slice, { format: 'pt' });
  }
  await writeFile(
    join(dir, HF_WEIGHTS_INDEX_FILE),
    `${JSON.stringify({ metadata: { total_size: totalSize }, weight_map: weightMap }, null, 2)}\n`,
  );
}
