import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHuggingFaceCheckpoint } from '../checkpoint/hf-checkpoint-writer.js';
import { tempDir } from '../test-utils/temp-dir.js';
import { createRandomWeights } from '../testing/random-weights.js';
import { tinyDecoderConfig } from '../testing/tiny-decoder-config.js';
import { tinySentencePieceBpe } from '../testing/tiny-hf-tokenizers.js';
import { ConversionError } from './conversion-error.js';
import { convertCheckpoint } from './convert-checkpoint.js';

const config = tinyDecoderConfig({ vocabSize: 330, eosTokenIds: [2, 0] });

/** A tiny checkpoint with a tokenizer.json and, when asked, its tokenizer_config.json. */
async function checkpoint(dir: string, options: { tokenizerConfig: boolean }) {
  const folder = join(dir, 'ckpt');
  await writeHuggingFaceCheckpoint(folder, config, createRandomWeights(config, 3));
  const tokenizer = tinySentencePieceBpe({ addBosToken: true });
  await writeFile(join(folder, 'tokenizer.json'), tokenizer.tokenizerJson);
  if (options.tokenizerConfig) {
    await writeFile(join(folder, 'tokenizer_config.json'), tokenizer.config);
  }
  return folder;
}

/** Every file under `folder`, relative to it, sorted. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

describe("convertCheckpoint({ layout: 'optimum' })", () => {
  it('writes the graph, its external data, the configs and the tokenizer; returns what it wrote', async () => {
    const dir = await tempDir();
    const input = await checkpoint(dir, { tokenizerConfig: false });
    const out = join(dir, 'export');
    const written = await convertCheckpoint({ input, out, layout: 'optimum' });
    expect(written).toEqual({
      layout: 'optimum',
      modelType: 'llama',
      numLayers: 3,
      dtype: 'fp32',
      quantization: 'none',
      transformersDtype: 'fp32',
      modelFile: 'onnx/model.onnx',
      files: await filesUnder(out),
    });
    expect(written.files).toEqual([
      'config.json',
      'generation_config.json',
      'onnx/model.onnx',
      'onnx/model.onnx_data',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    // The checkpoint's config, kept whole, with what transformers.js needs to pick the file.
    const original = JSON.parse(await readFile(join(input, 'config.json'), 'utf8'));
    expect(JSON.parse(await readFile(join(out, 'config.json'), 'utf8'))).toEqual({
      ...original,
      'transformers.js_config': { dtype: 'fp32', use_external_data_format: { 'model.onnx': 1 } },
    });
    // No generation_config.json in the checkpoint: its BOS and EOS ids.
    expect(JSON.parse(await readFile(join(out, 'generation_config.json'), 'utf8'))).toEqual({
      bos_token_id: 1,
      eos_token_id: [2, 0],
    });
    // transformers.js requires a tokenizer_config.json; the checkpoint had none.
    expect(await readFile(join(out, 'tokenizer_config.json'), 'utf8')).toBe('{}\n');
    expect(await readFile(join(out, 'tokenizer.json'), 'utf8')).toBe(
      await readFile(join(input, 'tokenizer.json'), 'utf8'),
    );
    const graph = await readFile(join(out, 'onnx', 'model.onnx'));
    expect(graph.includes('model.onnx_data')).toBe(true);
    expect(graph.includes('GroupQueryAttention')).toBe(true);
  });

  it('names quantized graphs as transformers.js looks for them, and keeps a generation config', async () => {
    const dir = await tempDir();
    const input = await checkpoint(dir, { tokenizerConfig: true });
    const generation = { bos_token_id: 1, eos_token_id: 2, max_new_tokens: 7 };
    await writeFile(join(input, 'generation_config.json'), JSON.stringify(generation));
    const q4 = await convertCheckpoint({
      input,
      out: join(dir, 'q4'),
      layout: 'optimum',
      quantization: 'int4',
      accuracyLevel: 4,
    });
    expect(q4).toMatchObject({ transformersDtype: 'q4', modelFile: 'onnx/model_q4.onnx' });
    expect(q4.files).toContain('onnx/model_q4.onnx_data');
    const json = JSON.parse(await readFile(join(dir, 'q4', 'config.json'), 'utf8'));
    expect(json['transformers.js_config']).toEqual({
      dtype: 'q4',
      use_external_data_format: { 'model_q4.onnx': 1 },
    });
    expect(JSON.parse(await readFile(join(dir, 'q4', 'generation_config.json'), 'utf8'))).toEqual(
      generation,
    );
    const int8 = await convertCheckpoint({
      input,
      out: join(dir, 'int8'),
      layout: 'optimum',
      quantization: 'int8',
    });
    expect(int8).toMatchObject({ transformersDtype: 'int8', modelFile: 'onnx/model_int8.onnx' });
  });

  it('refuses what the layout cannot hold before any work, leaving nothing behind', async () => {
    const dir = await tempDir();
    const input = await checkpoint(dir, { tokenizerConfig: true });
    const out = join(dir, 'export');
    const refusals: [Parameters<typeof convertCheckpoint>[0], RegExp][] = [
      [{ input, out, layout: 'optimum', dtype: 'fp16' }, /stores fp32 or quantized weights/],
      [{ input, out, layout: 'optimum', graph: 'standard' }, /has the fused graph only/],
      [{ input, out, layout: 'optimum', propagateKv: true }, /propagate KV policy/],
      [{ input, out, layout: 'onnx' as 'optimum' }, /unknown output layout "onnx"/],
    ];
    for (const [options, message] of refusals) {
      const refused = convertCheckpoint(options);
      await expect(refused).rejects.toThrow(ConversionError);
      await expect(refused).rejects.toThrow(message);
    }
    // GroupQueryAttention needs a head dimension that is a multiple of 8.
    const narrow = join(dir, 'narrow');
    const narrowConfig = { ...config, hiddenSize: 16, headDim: 4 };
    await writeHuggingFaceCheckpoint(narrow, narrowConfig, createRandomWeights(narrowConfig, 3));
    await writeFile(join(narrow, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
    await expect(convertCheckpoint({ input: narrow, out, layout: 'optimum' })).rejects.toThrow(
      /the optimum layout needs the fused graph, and the fused graph needs a head dimension that is a multiple of 8/,
    );
    await expect(stat(out)).rejects.toThrow();
    expect((await readdir(dirname(out))).sort()).toEqual(['ckpt', 'narrow']);
  });
});
