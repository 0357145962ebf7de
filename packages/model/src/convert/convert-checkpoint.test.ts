import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBundleTokenizer } from '../bundle-tokenizer.js';
import { writeHuggingFaceCheckpoint } from '../checkpoint/hf-checkpoint-writer.js';
import type { DecoderConfig } from '../decoder-config.js';
import { openBundle } from '../node/open-bundle.js';
import { tempDir } from '../test-utils/temp-dir.js';
import { createRandomWeights } from '../testing/random-weights.js';
import { tinySentencePieceBpe } from '../testing/tiny-hf-tokenizers.js';
import { convertCheckpoint } from './convert-checkpoint.js';

const stories = fileURLToPath(new URL('../../../../../shared/data/stories260k/', import.meta.url));

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
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const bundle = await openBundle(out);
    expect(bundle.manifest).toEqual(manifest);
    expect(manifest).toMatchObject({
      numLayers: 2,
      architecture: 'llama',
      source: { format: 'huggingface' },
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
        /needs its tokenizer: pass --tokenizer/,
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
