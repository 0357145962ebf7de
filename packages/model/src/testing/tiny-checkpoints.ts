import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expectedTensorShapes } from '../checkpoint/expected-tensors.js';
import { huggingFaceConfigJson } from '../checkpoint/hf-checkpoint-writer.js';
import { writeSafetensors } from '../checkpoint/safetensors.js';
import type { DecoderConfig, StoredDtype } from '../decoder-config.js';
import { tinyDecoderConfig } from './tiny-decoder-config.js';

/** A deterministic uniform generator on [-1, 1) (mulberry32), so failures reproduce. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

export interface TinyTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A Llama-shaped config small enough to write and read in a millisecond. */
export const TINY_LLAMA_CONFIG: DecoderConfig = tinyDecoderConfig({
  vocabSize: 16,
  hiddenSize: 8,
  intermediateSize: 12,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 4,
});

/** Random values for every tensor `config` needs, in decoder order. */
export function tinyTensors(config: DecoderConfig, seed = 1): Map<string, TinyTensor> {
  const random = seededUniform(seed);
  const tensors = new Map<string, TinyTensor>();
  for (const [name, shape] of expectedTensorShapes(config)) {
    const count = shape.reduce((product, size) => product * size, 1);
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = random();
    tensors.set(name, { shape, data });
  }
  return tensors;
}

export type HfModelType = 'llama' | 'mistral' | 'qwen2';

const MODEL_CLASS: Record<HfModelType, string> = {
  llama: 'LlamaForCausalLM',
  mistral: 'MistralForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
};

/** The config.json transformers would write for `config` as `modelType` (plus `extra` fields, which win). */
export function hfConfigJson(
  config: DecoderConfig,
  modelType: HfModelType,
  extra: Readonly<Record<string, unknown>> = {},
): Record<string, unknown> {
  const json = huggingFaceConfigJson(config);
  if (modelType !== 'llama') {
    delete json.attention_bias;
    delete json.mlp_bias;
  }
  return { ...json, architectures: [MODEL_CLASS[modelType]], model_type: modelType, ...extra };
}

export interface TinyHfCheckpointOptions {
  readonly config?: DecoderConfig;
  readonly modelType?: HfModelType;
  readonly dtype?: StoredDtype;
  /** Split the tensors over this many shards with an index; 0 writes one model.safetensors. */
  readonly shards?: number;
  readonly seed?: number;
  /** Fields added to (or replacing) config.json's. */
  readonly extraConfig?: Readonly<Record<string, unknown>>;
  /** Changes the tensors before they are written (drop one, reshape one, add one). */
  readonly editTensors?: (tensors: Map<string, TinyTensor>) => void;
}

/**
 * Writes a Hugging Face checkpoint folder (config.json + safetensors) of random tiny tensors
 * and returns the float32 values written (before any fp16/bf16 rounding).
 */
export async function writeTinyHfCheckpoint(
  dir: string,
  options: TinyHfCheckpointOptions = {},
): Promise<Map<string, TinyTensor>> {
  const config = options.config ?? TINY_LLAMA_CONFIG;
  const dtype = options.dtype ?? 'F32';
  const tensors = tinyTensors(config, options.seed);
  options.editTensors?.(tensors);
  const configJson = hfConfigJson(config, options.modelType ?? 'llama', options.extraConfig);
  await writeFile(join(dir, 'config.json'), `${JSON.stringify(configJson, null, 2)}\n`);

  const entries = [...tensors].map(([name, tensor]) => ({ name, dtype, ...tensor }));
  const shardCount = options.shards ?? 0;
  if (shardCount === 0) {
    await writeSafetensors(join(dir, 'model.safetensors'), entries, { format: 'pt' });
    return tensors;
  }
  // Contiguous runs of tensors per shard, as transformers' save_pretrained splits them.
  const perShard = Math.ceil(entries.length / shardCount);
  const weightMap: Record<string, string> = {};
  for (let shard = 0; shard < shardCount; shard++) {
    const file = `model-${String(shard + 1).padStart(5, '0')}-of-${String(shardCount).padStart(5, '0')}.safetensors`;
    const slice = entries.slice(shard * perShard, (shard + 1) * perShard);
    for (const entry of slice) weightMap[entry.name] = file;
    await writeSafetensors(join(dir, file), slice, { format: 'pt' });
  }
  const index = { metadata: { total_size: 0 }, weight_map: weightMap };
  await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify(index, null, 2));
  return tensors;
}

/**
 * The bytes of a safetensors file with any header at all (however wrong) and data bytes, for
 * testing how readers refuse broken files.
 */
export function rawSafetensorsBytes(
  header: unknown,
  data: Uint8Array = new Uint8Array(),
): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const bytes = new Uint8Array(8 + json.length + data.length);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true);
  bytes.set(json, 8);
  bytes.set(data, 8 + json.length);
  return bytes;
}

/** The stacked arrays of a legacy llama2.c `.bin`, in file order, named as llama2.c names them. */
export interface Llama2cArrays {
  readonly header: readonly number[];
  readonly arrays: ReadonlyArray<{ readonly name: string; readonly data: Float32Array }>;
}

/** The header of a legacy llama2.c checkpoint, as llama2.c names its fields. */
export interface Llama2cShape {
  readonly dim: number;
  readonly hiddenDim: number;
  readonly layers: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly vocab: number;
  readonly seqLen: number;
  readonly sharedClassifier: boolean;
}

/** One layer, width 8, and a vocabulary of 300: 259 byte and special tokens and 41 more. */
const TINY_LLAMA2C_SHAPE: Llama2cShape = {
  dim: 8,
  hiddenDim: 12,
  layers: 1,
  heads: 2,
  kvHeads: 2,
  vocab: 300,
  seqLen: 16,
  sharedClassifier: true,
};

/**
 * A legacy llama2.c file written straight from the format's description (seven int32, then
 * the fp32 arrays in run.c's order), independent of the reader under test. Every value is
 * distinct, so a tensor read from the wrong offset cannot pass for the right one.
 */
export function tinyLlama2cFile(shape: Partial<Llama2cShape> = {}): {
  bytes: Uint8Array;
  arrays: Llama2cArrays;
} {
  const options = { ...TINY_LLAMA2C_SHAPE, ...shape };
  const { dim, hiddenDim, layers, heads, kvHeads, vocab, seqLen } = options;
  const headSize = dim / heads;
  const kvDim = kvHeads * headSize;
  const sizes: Array<[string, number]> = [
    ['token_embedding', vocab * dim],
    ['rms_att', layers * dim],
    ['wq', layers * dim * dim],
    ['wk', layers * kvDim * dim],
    ['wv', layers * kvDim * dim],
    ['wo', layers * dim * dim],
    ['rms_ffn', layers * dim],
    ['w1', layers * hiddenDim * dim],
    ['w2', layers * dim * hiddenDim],
    ['w3', layers * hiddenDim * dim],
    ['rms_final', dim],
    ['freq_cis_real', (seqLen * headSize) / 2],
    ['freq_cis_imag', (seqLen * headSize) / 2],
  ];
  if (!options.sharedClassifier) sizes.push(['wcls', vocab * dim]);
  let counter = 0;
  const arrays = sizes.map(([name, count]) => {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = ++counter;
    return { name, data };
  });
  const header = [
    dim,
    hiddenDim,
    layers,
    heads,
    kvHeads,
    options.sharedClassifier ? vocab : -vocab,
    seqLen,
  ];
  const bytes = new Uint8Array(28 + counter * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, value] of header.entries()) view.setInt32(i * 4, value, true);
  let offset = 28;
  for (const { data } of arrays) {
    for (const value of data) {
      view.setFloat32(offset, value, true);
      offset += 4;
    }
  }
  return { bytes, arrays: { header, arrays } };
}
