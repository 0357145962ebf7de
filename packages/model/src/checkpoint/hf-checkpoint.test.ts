import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type DecoderConfig,
  EMBED_TOKENS,
  LM_HEAD,
  layerTensorNames,
  type StoredDtype,
} from '../decoder-config.js';
import { expectCheckpointError } from '../test-utils/expect-checkpoint-error.js';
import { tempDir } from '../test-utils/temp-dir.js';
import {
  rawSafetensorsBytes,
  TINY_LLAMA_CONFIG,
  type TinyHfCheckpointOptions,
  type TinyTensor,
  writeTinyHfCheckpoint,
} from '../testing/tiny-checkpoints.js';
import { expectedTensorShapes } from './expected-tensors.js';
import {
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './float16.js';
import { openHuggingFaceCheckpoint } from './hf-checkpoint.js';

function rounded(dtype: StoredDtype, values: Float32Array): number[] {
  if (dtype === 'F16') return [...values].map((v) => float16ToFloat32(float32ToFloat16Bits(v)));
  if (dtype === 'BF16') return [...values].map((v) => bfloat16ToFloat32(float32ToBfloat16Bits(v)));
  return [...values];
}

/** Writes a tiny checkpoint, opens it, and checks config, names, shapes and every value. */
async function roundTrip(options: TinyHfCheckpointOptions & { config: DecoderConfig }) {
  const dir = await tempDir();
  const written = await writeTinyHfCheckpoint(dir, options);
  const checkpoint = await openHuggingFaceCheckpoint(dir);
  try {
    expect(checkpoint.config).toEqual(options.config);
    expect(checkpoint.configJson).toBe(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(checkpoint.weights.location).toBe(dir);
    expect([...checkpoint.weights.names].sort()).toEqual([...written.keys()].sort());
    const dtype = options.dtype ?? 'F32';
    for (const [name, tensor] of written) {
      expect(checkpoint.weights.shape(name)).toEqual(tensor.shape);
      expect(checkpoint.weights.dtype(name)).toBe(dtype);
      expect([...(await checkpoint.weights.read(name))], name).toEqual(rounded(dtype, tensor.data));
    }
    return checkpoint;
  } finally {
    await checkpoint.weights.close();
  }
}

describe('openHuggingFaceCheckpoint reads', () => {
  it('an untied Llama in one F32 file', async () => {
    const { weights } = await roundTrip({ config: TINY_LLAMA_CONFIG });
    expect(weights.has(LM_HEAD)).toBe(true);
  });

  it('a tied Llama in three F16 shards, exposing no lm_head', async () => {
    const config = { ...TINY_LLAMA_CONFIG, tieWordEmbeddings: true };
    const { weights } = await roundTrip({ config, dtype: 'F16', shards: 3 });
    expect(weights.has(LM_HEAD)).toBe(false);
    expect(weights.names).not.toContain(LM_HEAD);
  });

  it('a tied Qwen2 with q/k/v biases in two BF16 shards', async () => {
    const config: DecoderConfig = {
      ...TINY_LLAMA_CONFIG,
      architecture: 'qwen2',
      tieWordEmbeddings: true,
      attentionBias: true,
      ropeTheta: 1_000_000,
      rmsNormEps: 1e-6,
      bosTokenId: null,
      eosTokenIds: [3],
    };
    const { weights } = await roundTrip({ config, modelType: 'qwen2', dtype: 'BF16', shards: 2 });
    expect(weights.shape(layerTensorNames(1).kBias)).toEqual([4]);
  });

  it('a Llama 3 with llama3 rope scaling and several EOS ids', async () => {
    const config: DecoderConfig = {
      ...TINY_LLAMA_CONFIG,
      ropeTheta: 500_000,
      ropeScaling: {
        type: 'llama3',
        factor: 8,
        lowFreqFactor: 1,
        highFreqFactor: 4,
        originalMaxPositionEmbeddings: 32,
      },
      eosTokenIds: [2, 5],
    };
    await roundTrip({ config });
  });

  it('a Mistral without a sliding window as a Llama', async () => {
    await roundTrip({
      config: TINY_LLAMA_CONFIG,
      modelType: 'mistral',
      extraConfig: { sliding_window: null },
    });
  });

  it('tensors the config does not need (they are passed through)', async () => {
    const dir = await tempDir();
    await writeTinyHfCheckpoint(dir, {
      editTensors: (tensors) => {
        tensors.set('model.layers.0.self_attn.rotary_emb.inv_freq', {
          shape: [2],
          data: new Float32Array([1, 0.01]),
        });
      },
    });
    const { weights } = await openHuggingFaceCheckpoint(dir);
    expect(weights.has('model.layers.0.self_attn.rotary_emb.inv_freq')).toBe(true);
    await weights.close();
  });
});

describe('openHuggingFaceCheckpoint refuses', () => {
  /** Writes a tiny checkpoint with `options` and returns its folder. */
  async function checkpointDir(options: TinyHfCheckpointOptions = {}): Promise<string> {
    const dir = await tempDir();
    await writeTinyHfCheckpoint(dir, options);
    return dir;
  }

  it('a path that does not exist', async () => {
    const dir = join(await tempDir(), 'no-such-model');
    await expectCheckpointError(openHuggingFaceCheckpoint(dir), 'no-such-model', 'no such folder');
  });

  it('a file given as the folder', async () => {
    const dir = await checkpointDir();
    const path = join(dir, 'model.safetensors');
    await expectCheckpointError(openHuggingFaceCheckpoint(path), path, 'is a file');
  });

  it('a folder without config.json', async () => {
    const dir = await checkpointDir();
    await rm(join(dir, 'config.json'));
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      join(dir, 'config.json'),
      'missing',
    );
  });

  it('a config.json that is not JSON', async () => {
    const dir = await checkpointDir();
    await writeFile(join(dir, 'config.json'), '{"model_type": "llama",');
    await expectCheckpointError(openHuggingFaceCheckpoint(dir), 'config.json', 'not valid JSON');
  });

  it('an unknown architecture, naming it', async () => {
    const dir = await checkpointDir({
      extraConfig: { model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] },
    });
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      'config.json',
      'model_type "gpt2"',
      'GPT2LMHeadModel',
      'LlamaForCausalLM',
    );
  });

  it('a folder without safetensors weights, pointing at a PyTorch file', async () => {
    const dir = await checkpointDir();
    await rm(join(dir, 'model.safetensors'));
    await writeFile(join(dir, 'pytorch_model.bin'), 'x');
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      'has neither model.safetensors nor model.safetensors.index.json',
      'pytorch_model.bin',
    );
  });

  it('a missing tensor, naming the file and the tensor', async () => {
    const missing = layerTensorNames(1).k;
    const dir = await checkpointDir({ editTensors: (tensors) => tensors.delete(missing) });
    const error = await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      join(dir, 'model.safetensors'),
      `tensor "${missing}"`,
      'missing',
      '[4, 8]',
    );
    expect(error.tensor).toBe(missing);
  });

  it('a missing tensor in a sharded checkpoint, naming the index', async () => {
    const dir = await checkpointDir({
      shards: 2,
      editTensors: (tensors) => tensors.delete(LM_HEAD),
    });
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      'model.safetensors.index.json',
      `tensor "${LM_HEAD}"`,
      'tie_word_embeddings',
    );
  });

  it('missing q/k/v biases of a Qwen2', async () => {
    const dir = await checkpointDir({
      modelType: 'qwen2',
      config: { ...TINY_LLAMA_CONFIG, architecture: 'qwen2', attentionBias: false },
    });
    const error = await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      `tensor "${layerTensorNames(0).qBias}"`,
      'also',
    );
    // Six biases are missing: the first is the error's, the rest are listed after it.
    expect(error.message.split('\n')).toHaveLength(6);
  });

  it('a wrong shape, naming the shard and the tensor', async () => {
    const up = layerTensorNames(0).up;
    const dir = await checkpointDir({
      shards: 3,
      editTensors: (tensors) => {
        tensors.set(up, { shape: [13, 8], data: new Float32Array(13 * 8) } satisfies TinyTensor);
      },
    });
    const error = await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      /model-0000\d-of-00003\.safetensors/,
      `tensor "${up}"`,
      'shape [13, 8], but config.json implies [12, 8]',
    );
    expect(error.tensor).toBe(up);
  });

  it('a truncated safetensors file', async () => {
    const dir = await checkpointDir();
    const path = join(dir, 'model.safetensors');
    const bytes = await readFile(path);
    await writeFile(path, bytes.subarray(0, bytes.length - 10));
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      path,
      `tensor "${LM_HEAD}"`,
      'truncated',
    );
  });

  it('a shard whose header length points past its end', async () => {
    const dir = await checkpointDir({ shards: 2 });
    const path = join(dir, 'model-00002-of-00002.safetensors');
    const bytes = await readFile(path);
    bytes.writeBigUInt64LE(BigInt(bytes.length), 0);
    await writeFile(path, bytes);
    await expectCheckpointError(openHuggingFaceCheckpoint(dir), path, 'past the end');
  });

  it.each(['I8', 'F64'])(
    'an unsupported dtype (%s), naming file, tensor and dtype',
    async (dtype) => {
      const dir = await checkpointDir();
      const path = join(dir, 'model.safetensors');
      const shapes = expectedTensorShapes(TINY_LLAMA_CONFIG);
      const elementBytes = dtype === 'I8' ? 1 : 8;
      // The same tensors, with the embedding stored in the unsupported dtype.
      const header: Record<string, unknown> = {};
      let offset = 0;
      for (const [name, shape] of shapes) {
        const size = shape.reduce((a, b) => a * b, 1) * (name === EMBED_TOKENS ? elementBytes : 4);
        header[name] = {
          dtype: name === EMBED_TOKENS ? dtype : 'F32',
          shape,
          data_offsets: [offset, offset + size],
        };
        offset += size;
      }
      await writeFile(path, rawSafetensorsBytes(header, new Uint8Array(offset)));
      const error = await expectCheckpointError(
        openHuggingFaceCheckpoint(dir),
        path,
        `tensor "${EMBED_TOKENS}"`,
        `dtype ${dtype} is not supported`,
      );
      expect(error.file).toBe(path);
    },
  );

  it('an index entry the shard does not hold', async () => {
    const dir = await checkpointDir({ shards: 2 });
    const indexPath = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(await readFile(indexPath, 'utf8')) as {
      weight_map: Record<string, string>;
    };
    index.weight_map['model.extra.weight'] = 'model-00001-of-00002.safetensors';
    await writeFile(indexPath, JSON.stringify(index));
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      'model-00001-of-00002.safetensors',
      'tensor "model.extra.weight"',
      'does not store it',
    );
  });

  it('an index naming a shard that is not there, or outside the folder', async () => {
    const dir = await checkpointDir({ shards: 2 });
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      'model-00002-of-00002.safetensors',
      'no such file',
    );
    const indexPath = join(dir, 'model.safetensors.index.json');
    await writeFile(
      indexPath,
      JSON.stringify({ weight_map: { [EMBED_TOKENS]: '../elsewhere.safetensors' } }),
    );
    await expectCheckpointError(
      openHuggingFaceCheckpoint(dir),
      indexPath,
      `tensor "${EMBED_TOKENS}"`,
      'not a file name in the checkpoint folder',
    );
  });
});
