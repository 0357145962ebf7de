import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LiteStageError } from '@litestage/errors';
import { fixturePath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { loadBundleTokenizer } from '../bundle-tokenizer.js';
import { writeHuggingFaceCheckpoint } from '../checkpoint/hf-checkpoint-writer.js';
import type { DecoderConfig } from '../decoder-config.js';
import { openBundle } from '../node/open-bundle.js';
import { tempDir } from '../test-utils/temp-dir.js';
import { buildLlama2cTokenizerBin } from '../testing/llama2c-tokenizer-bin.js';
import { createRandomWeights } from '../testing/random-weights.js';
import { tinyLlama2cFile } from '../testing/tiny-checkpoints.js';
import { tinySentencePieceBpe } from '../testing/tiny-hf-tokenizers.js';
import { ConversionError } from './conversion-error.js';
import { type ConvertOptions, convertCheckpoint } from './convert-checkpoint.js';

const stories = fixturePath('stories260k');

const config: DecoderConfig = {
  architecture: 'llama',
  vocabSize: 320,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 8,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  ropeStyle: 'half',
  maxPositionEmbeddings: 32,
  tieWordEmbeddings: false,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};

async function hfCheckpoint(
  dir: string,
  options: { shards?: number; dtype?: 'F32' | 'BF16' } = {},
) {
  await writeHuggingFaceCheckpoint(dir, config, createRandomWeights(config, 4), options);
  const tokenizer = tinySentencePieceBpe({ addBosToken: true });
  await writeFile(join(dir, 'tokenizer.json'), tokenizer.tokenizerJson);
  await writeFile(join(dir, 'tokenizer_config.json'), tokenizer.config);
  return dir;
}

/** Nothing named after the bundle may remain beside it: no output, no partial folder. */
async function expectNothingLeft(out: string) {
  await expect(stat(out)).rejects.toThrow();
  const siblings = await readdir(dirname(out));
  expect(siblings.filter((name) => name.includes('bundle'))).toEqual([]);
}

describe('convertCheckpoint', () => {
  it('converts a sharded bf16 Hugging Face checkpoint into a bundle', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'), { shards: 2, dtype: 'BF16' });
    const out = join(dir, 'bundle');
    const manifest = await convertCheckpoint({ input, out });
    expect((await readdir(out)).sort()).toEqual([
      'litestage.json',
      'model.onnx',
      'model.onnx.data',
      'model.plain.onnx',
      'model.search.onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const bundle = await openBundle(out);
    expect(bundle.manifest).toEqual(manifest);
    expect(manifest).toMatchObject({
      formatVersion: 3,
      graphFlavour: 'fused',
      numLayers: 2,
      architecture: 'llama',
      source: { format: 'huggingface' },
      graphs: { search: { file: 'model.search.onnx', externalData: 'model.onnx.data' } },
    });
    const tokenizer = await loadBundleTokenizer(bundle);
    expect(tokenizer.decode(tokenizer.encode('hello world'))).toBe('hello world');
  });

  it('gives the same fingerprint for the same input and another for other weights or quantization', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const a = await convertCheckpoint({ input, out: join(dir, 'a'), plainGraph: false });
    const b = await convertCheckpoint({ input, out: join(dir, 'b') });
    const c = await convertCheckpoint({ input, out: join(dir, 'c'), quantization: 'int8' });
    expect(a.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
    expect(a.graphs.plain).toBeNull();
    expect(await readFile(join(dir, 'a', 'model.onnx.data'))).toEqual(
      await readFile(join(dir, 'b', 'model.onnx.data')),
    );
  });

  it('reads manifests written before: version 1 without a search graph, version 2 as the standard flavour', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const out = join(dir, 'bundle');
    await convertCheckpoint({ input, out, graph: 'standard' });
    const manifestFile = join(out, 'litestage.json');
    const { graphFlavour, ...current } = JSON.parse(await readFile(manifestFile, 'utf8'));
    expect(graphFlavour).toBe('standard');
    const { search: _, ...oldGraphs } = current.graphs;
    await writeFile(manifestFile, JSON.stringify({ ...current, formatVersion: 2 }));
    expect((await openBundle(out)).manifest.graphFlavour).toBeUndefined();
    await writeFile(
      manifestFile,
      JSON.stringify({ ...current, formatVersion: 1, graphs: oldGraphs }),
    );
    expect((await openBundle(out)).manifest.graphs.search).toBeUndefined();
    await writeFile(
      manifestFile,
      JSON.stringify({ ...current, formatVersion: 2, graphs: oldGraphs }),
    );
    await expect(openBundle(out)).rejects.toThrow(
      /graphs\.search belongs to bundles of format version 2/,
    );
    await writeFile(manifestFile, JSON.stringify({ ...current, formatVersion: 3 }));
    await expect(openBundle(out)).rejects.toThrow(
      /graphFlavour belongs to bundles of format version 3/,
    );
    await writeFile(
      manifestFile,
      JSON.stringify({ ...current, formatVersion: 2, graphFlavour: 'fused' }),
    );
    await expect(openBundle(out)).rejects.toThrow(
      /graphFlavour belongs to bundles of format version 3/,
    );
  });

  it('builds both graph flavours from the same weights, so with the same fingerprint', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const fused = await convertCheckpoint({ input, out: join(dir, 'fused'), plainGraph: false });
    const standard = await convertCheckpoint({
      input,
      out: join(dir, 'standard'),
      plainGraph: false,
      graph: 'standard',
    });
    expect(fused.graphFlavour).toBe('fused');
    expect(standard.graphFlavour).toBe('standard');
    expect(standard.fingerprint).toBe(fused.fingerprint);
    expect(await readFile(join(dir, 'fused', 'model.onnx.data'))).toEqual(
      await readFile(join(dir, 'standard', 'model.onnx.data')),
    );
    const ops = async (bundle: string, file: string) => {
      const bytes = Buffer.from(await readFile(join(dir, bundle, file)));
      return ['GroupQueryAttention', 'RotaryEmbedding', 'SkipSimplifiedLayerNormalization'].filter(
        (op) => bytes.includes(op),
      );
    };
    for (const file of ['model.onnx', 'model.search.onnx']) {
      expect(await ops('fused', file)).toEqual([
        'GroupQueryAttention',
        'RotaryEmbedding',
        'SkipSimplifiedLayerNormalization',
      ]);
      expect(await ops('standard', file)).toEqual([]);
    }
  });

  it('builds the standard graph for a model the fused graph cannot express, and refuses to force it', async () => {
    const dir = await tempDir();
    const input = await llama2cCheckpoint(dir);
    const tokenizer = join(dir, 'tokenizer.bin');
    await writeFile(tokenizer, buildLlama2cTokenizerBin(buildPieces(41)).bytes);
    const messages: string[] = [];
    const auto = await convertCheckpoint({
      input,
      out: join(dir, 'auto'),
      tokenizer,
      plainGraph: false,
      onProgress: (m) => messages.push(m),
    });
    expect(auto.graphFlavour).toBe('standard');
    expect(messages.some((m) => /head dimension that is a multiple of 8/.test(m))).toBe(true);
    const out = join(dir, 'forced');
    const forced = convertCheckpoint({ input, out, tokenizer, graph: 'fused' });
    await expect(forced).rejects.toThrow(ConversionError);
    await expect(forced).rejects.toThrow(/multiple of 8/);
    await expectNothingLeft(out);
  });

  it('refuses graph options that cannot apply, before any work', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const out = join(dir, 'bundle');
    const refused = async (
      options: Partial<Parameters<typeof convertCheckpoint>[0]>,
      why: RegExp,
    ) => {
      const attempt = convertCheckpoint({ input, out, ...options });
      await expect(attempt).rejects.toThrow(ConversionError);
      await expect(attempt).rejects.toThrow(why);
      await expectNothingLeft(out);
    };
    await refused({ graph: 'onnx' as never }, /unknown graph flavour "onnx"/);
    await refused({ accuracyLevel: 4 }, /int4 weights only/);
    await refused({ quantization: 'int4', accuracyLevel: 5 }, /not one of 0, 1, 2, 3, 4/);
    await refused({ int4BlockSize: 64 }, /int4 weights only/);
    await refused({ quantization: 'int4', int4BlockSize: 48 }, /not one of 16, 32, 64, 128, 256/);
    await refused({ lmHead: 'int2' as never }, /unknown LM head storage "int2"/);
  });

  it('gives int4 bundles int8 activations and an 8-bit LM head unless told otherwise', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const convert = (out: string, options: Partial<ConvertOptions>) =>
      convertCheckpoint({
        input,
        out: join(dir, out),
        plainGraph: false,
        ...options,
        layout: 'bundle',
      });
    const defaults = await convert('a', { quantization: 'int4' });
    const before = await convert('b', {
      quantization: 'int4',
      accuracyLevel: 0,
      lmHead: 'float',
      int4BlockSize: 32,
    });
    const wide = await convert('c', { quantization: 'int4', int4BlockSize: 128, lmHead: 'int4' });
    const float = await convert('d', {});
    expect(defaults).toMatchObject({ accuracyLevel: 4, lmHead: 'int8', int4BlockSize: 32 });
    expect(before).toMatchObject({ accuracyLevel: 0, int4BlockSize: 32 });
    expect(before).not.toHaveProperty('lmHead');
    expect(wide).toMatchObject({ lmHead: 'int4', int4BlockSize: 128 });
    for (const key of ['accuracyLevel', 'lmHead', 'int4BlockSize'])
      expect(float).not.toHaveProperty(key);
    const graph = async (bundle: string) =>
      Buffer.from(await readFile(join(dir, bundle, 'model.onnx'))).toString('latin1');
    // MatMulNBits' attributes as the graph carries them.
    expect(await graph('a')).toMatch(/accuracy_level/);
    expect(await graph('d')).not.toMatch(/MatMulNBits/);
    // The quantized head is a weight of its own, so the model (and its fingerprint) differs.
    expect(defaults.fingerprint).not.toBe(before.fingerprint);
    expect(wide.fingerprint).not.toBe(defaults.fingerprint);
  });

  it('refuses to overwrite an existing folder', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    await mkdir(join(dir, 'bundle'));
    await expect(convertCheckpoint({ input, out: join(dir, 'bundle') })).rejects.toThrow(
      /already exists/,
    );
  });
});

describe('bad input leaves no bundle behind', () => {
  const cases: [string, (dir: string) => Promise<{ input: string; tokenizer?: string }>, RegExp][] =
    [
      [
        'a path that does not exist',
        async (dir) => ({ input: join(dir, 'nowhere') }),
        /nowhere: no such file or folder/,
      ],
      [
        'a truncated safetensors file',
        async (dir) => {
          const input = await hfCheckpoint(join(dir, 'ckpt'));
          const file = join(input, 'model.safetensors');
          const bytes = await readFile(file);
          await writeFile(file, bytes.subarray(0, bytes.length - 100));
          return { input };
        },
        /model\.safetensors.*tensor "[^"]+"/,
      ],
      [
        'a missing tensor',
        async (dir) => {
          const input = join(dir, 'ckpt');
          const weights = createRandomWeights(config, 4);
          const { MemoryWeightSource } = await import('../testing/random-weights.js');
          const tensors = new Map(
            await Promise.all(
              weights.names
                .filter((n) => n !== 'model.layers.1.mlp.up_proj.weight')
                .map(
                  async (n) =>
                    [n, { shape: weights.shape(n), data: await weights.read(n) }] as const,
                ),
            ),
          );
          await writeHuggingFaceCheckpoint(input, config, new MemoryWeightSource(tensors));
          await writeFile(join(input, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
          return { input };
        },
        /model\.safetensors.*model\.layers\.1\.mlp\.up_proj\.weight/,
      ],
      [
        'an unknown architecture',
        async (dir) => {
          const input = await hfCheckpoint(join(dir, 'ckpt'));
          const json = JSON.parse(await readFile(join(input, 'config.json'), 'utf8'));
          await writeFile(
            join(input, 'config.json'),
            JSON.stringify({ ...json, model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }),
          );
          return { input };
        },
        /config\.json.*gpt2/i,
      ],
      [
        'a wrong dtype',
        async (dir) => {
          const input = await hfCheckpoint(join(dir, 'ckpt'));
          const file = join(input, 'model.safetensors');
          const bytes = await readFile(file);
          const headerLength = Number(bytes.readBigUInt64LE(0));
          const header = bytes
            .subarray(8, 8 + headerLength)
            .toString('utf8')
            .replace('"dtype":"F32"', '"dtype":"I32"');
          await writeFile(
            file,
            Buffer.concat([
              bytes.subarray(0, 8),
              Buffer.from(header),
              bytes.subarray(8 + headerLength),
            ]),
          );
          return { input };
        },
        /model\.safetensors.*I32/,
      ],
      [
        'a corrupt llama2.c header',
        async (dir) => {
          const bytes = await readFile(join(stories, 'stories260K.bin'));
          const input = join(dir, 'corrupt.bin');
          const copy = Buffer.from(bytes);
          copy.writeInt32LE(0, 12); // n_heads = 0
          await writeFile(input, copy);
          return { input, tokenizer: join(stories, 'tok512.bin') };
        },
        /corrupt\.bin.*n_heads/,
      ],
      [
        'a llama2.c checkpoint without its tokenizer',
        async () => ({ input: join(stories, 'stories260K.bin') }),
        /a llama2\.c checkpoint needs its tokenizer\.bin/,
      ],
      [
        'a Hugging Face checkpoint without tokenizer.json',
        async (dir) => {
          const input = join(dir, 'ckpt');
          await writeHuggingFaceCheckpoint(input, config, createRandomWeights(config, 4));
          return { input };
        },
        /tokenizer\.json.*is missing/,
      ],
    ];

  it.each(cases)('%s', async (_, make, message) => {
    const dir = await tempDir();
    const { input, tokenizer } = await make(dir);
    const out = join(dir, 'bundle');
    await expect(
      convertCheckpoint({ input, out, ...(tokenizer ? { tokenizer } : {}) }),
    ).rejects.toThrow(message);
    await expectNothingLeft(out);
  });
});

/** A legacy llama2.c checkpoint small enough to write in a test (vocab 300, like its tokenizer). */
async function llama2cCheckpoint(dir: string): Promise<string> {
  const { bytes } = tinyLlama2cFile();
  const file = join(dir, 'tiny-story.bin');
  await writeFile(file, bytes);
  return file;
}

describe('where the bundle goes', () => {
  it('refuses an out under a missing folder before reading the checkpoint', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const progress: string[] = [];
    const out = join(dir, 'missing', 'deeper', 'bundle');
    const failure = convertCheckpoint({ input, out, onProgress: (m) => progress.push(m) });
    await expect(failure).rejects.toBeInstanceOf(ConversionError);
    await expect(failure).rejects.toThrow(
      `${join(dir, 'missing', 'deeper')}: no such folder to create the bundle in`,
    );
    expect(progress).toEqual([]);
    await expect(stat(join(dir, 'missing'))).rejects.toThrow();
  });

  it('refuses an out whose parent is a file', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    await writeFile(join(dir, 'plain-file'), 'x');
    await expect(
      convertCheckpoint({ input, out: join(dir, 'plain-file', 'bundle') }),
    ).rejects.toThrow(/plain-file: is a file, not a folder to create the bundle in/);
  });
});

describe('an interrupted conversion', () => {
  it('stops at the next tensor, removes its partial folder and rejects with the abort reason', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const out = join(dir, 'bundle');
    const controller = new AbortController();
    const tensors: string[] = [];
    const failure = convertCheckpoint({
      input,
      out,
      signal: controller.signal,
      onProgress: (message) => {
        if (!message.startsWith('[')) return;
        tensors.push(message);
        controller.abort();
      },
    });
    await expect(failure).rejects.toMatchObject({ name: 'AbortError' });
    expect(tensors).toHaveLength(1);
    await expectNothingLeft(out);
  });

  it('does nothing when the signal is already aborted', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const out = join(dir, 'bundle');
    const reason = new Error('stopped by the caller');
    await expect(convertCheckpoint({ input, out, signal: AbortSignal.abort(reason) })).rejects.toBe(
      reason,
    );
    await expectNothingLeft(out);
  });
});

describe('a tokenizer of the wrong kind', () => {
  it('says a llama2.c checkpoint needs a llama2.c tokenizer.bin, not a tokenizer.json', async () => {
    const dir = await tempDir();
    const input = await llama2cCheckpoint(dir);
    const tokenizer = join(dir, 'tokenizer.json');
    await writeFile(tokenizer, tinySentencePieceBpe().tokenizerJson);
    const out = join(dir, 'bundle');
    const failure = convertCheckpoint({ input, out, tokenizer });
    await expect(failure).rejects.toBeInstanceOf(ConversionError);
    await expect(failure).rejects.toThrow(
      `${tokenizer}: a Hugging Face tokenizer.json, but the llama2.c checkpoint ${input} needs a llama2.c tokenizer.bin`,
    );
    await expectNothingLeft(out);
  });

  it('says a Hugging Face checkpoint needs a tokenizer.json, not a llama2.c tokenizer.bin', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'ckpt'));
    const tokenizer = join(dir, 'tok.bin');
    await writeFile(tokenizer, buildLlama2cTokenizerBin([]).bytes);
    const out = join(dir, 'bundle');
    const failure = convertCheckpoint({ input, out, tokenizer });
    await expect(failure).rejects.toBeInstanceOf(ConversionError);
    await expect(failure).rejects.toThrow(
      `${tokenizer}: not a Hugging Face tokenizer.json (a llama2.c tokenizer.bin?), but the Hugging Face checkpoint ${input} needs its tokenizer.json`,
    );
    await expectNothingLeft(out);
  });

  it('reports a broken tokenizer of the right kind as a conversion error naming the file', async () => {
    const dir = await tempDir();
    const input = await llama2cCheckpoint(dir);
    const tokenizer = join(dir, 'tokenizer.bin');
    await writeFile(tokenizer, buildLlama2cTokenizerBin([]).bytes.subarray(0, 100));
    const failure = convertCheckpoint({ input, out: join(dir, 'bundle'), tokenizer });
    await expect(failure).rejects.toBeInstanceOf(LiteStageError);
    await expect(failure).rejects.toThrow(/tokenizer\.bin: .*is not a usable llama2\.c tokenizer/);
  });
});

describe('the bundle name', () => {
  it("defaults to the last part of config.json's _name_or_path", async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'checkpoint'));
    const json = JSON.parse(await readFile(join(input, 'config.json'), 'utf8'));
    await writeFile(
      join(input, 'config.json'),
      JSON.stringify({ ...json, _name_or_path: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0' }),
    );
    const manifest = await convertCheckpoint({
      input,
      out: join(dir, 'bundle'),
      plainGraph: false,
    });
    expect(manifest.name).toBe('TinyLlama-1.1B-Chat-v1.0');
    expect(manifest.source).toEqual({ format: 'huggingface', name: 'checkpoint' });
  });

  it('without _name_or_path, says what the model is: its model_type, layers and width', async () => {
    const dir = await tempDir();
    const input = await hfCheckpoint(join(dir, 'checkpoint'));
    const manifest = await convertCheckpoint({
      input,
      out: join(dir, 'bundle'),
      plainGraph: false,
    });
    expect(manifest.name).toBe('llama-2x16');
  });

  it("is a llama2.c checkpoint's file name without .bin, and an explicit name wins", async () => {
    const dir = await tempDir();
    const input = await llama2cCheckpoint(dir);
    const tokenizer = join(dir, 'tokenizer.bin');
    await writeFile(tokenizer, buildLlama2cTokenizerBin(buildPieces(41)).bytes);
    const stem = await convertCheckpoint({
      input,
      out: join(dir, 'a'),
      tokenizer,
      plainGraph: false,
    });
    expect(stem.name).toBe('tiny-story');
    const named = await convertCheckpoint({
      input,
      out: join(dir, 'b'),
      tokenizer,
      plainGraph: false,
      name: 'my-model',
    });
    expect(named.name).toBe('my-model');
  });
});

/** `count` distinct extra pieces, so a hand-made llama2.c vocabulary reaches a checkpoint's size. */
function buildPieces(count: number) {
  return Array.from({ length: count }, (_, i) => ({ piece: `p${i}`, score: -i }));
}
