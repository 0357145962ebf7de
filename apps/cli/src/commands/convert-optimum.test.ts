import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AutoModelForCausalLM, AutoTokenizer, env, Tensor } from '@huggingface/transformers';
import { generate, TextStreamer } from '@litestage/core';
import { demoCheckpointDir } from '@litestage/demo-model';
import type { DecoderConfig } from '@litestage/model';
import {
  createRandomWeights,
  type TinyHfTokenizer,
  tinyByteLevelBpe,
  tinyDecoderConfig,
  tinySentencePieceBpe,
  writeHuggingFaceCheckpoint,
} from '@litestage/model/testing';
import { openRuntime } from '@litestage/runtime';
import {
  EosTokenCriteria,
  MaxNewTokensCriteria,
  StoppingCriteriaList,
  TokenSampler,
} from '@litestage/sampler';
import { describe, expect, it } from 'vitest';
import { run, testFolder } from '../test-utils/run-cli-captured.js';
import { stories } from '../test-utils/stories-bundle.js';

const dir = await testFolder('optimum');

/**
 * onnxruntime's QDQ rewrite turns an int8 DequantizeLinear -> MatMul into MatMulNBits with
 * 8-bit activations: other numbers (logits off by up to 0.07 on the tiny model). The engine
 * turns it off for int8 bundles, so transformers.js computes the same with it off too.
 */
const SAME_INT8_PRODUCTS = { extra: { session: { disable_quant_qdq: '1' } } };

// transformers.js reads only the exports in `dir`: nothing is fetched, nothing cached.
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = dir;
env.useFSCache = false;

/** A random tiny checkpoint with a real tokenizer, as a Hugging Face folder. */
async function tinyCheckpoint(
  name: string,
  config: DecoderConfig,
  tokenizer: TinyHfTokenizer,
): Promise<string> {
  const folder = join(dir, `${name}-checkpoint`);
  await writeHuggingFaceCheckpoint(folder, config, createRandomWeights(config, 7));
  await writeFile(join(folder, 'tokenizer.json'), tokenizer.tokenizerJson);
  await writeFile(join(folder, 'tokenizer_config.json'), tokenizer.config);
  return folder;
}

/** Converts `checkpoint` with the command line, into a bundle and into the optimum layout `name`. */
async function convertBoth(checkpoint: string, name: string, ...extraArgs: string[]) {
  const bundle = join(dir, `${name}-bundle`);
  const toBundle = await run('convert', checkpoint, '--out', bundle, ...extraArgs);
  expect(toBundle.code, toBundle.err).toBe(0);
  const optimum = join(dir, name);
  const toOptimum = await run(
    'convert',
    checkpoint,
    '--layout',
    'optimum',
    '--out',
    optimum,
    ...extraArgs,
  );
  expect(toOptimum.code, toOptimum.err).toBe(0);
  return { bundle, optimum, printed: toOptimum.out };
}

/**
 * LiteStage's engine, greedy, on a bundle (Node CPU): the prompt's ids and every generated
 * id, an EOS included (transformers.js keeps it too).
 */
async function engineTokens(bundle: string, prompt: string, maxNewTokens: number) {
  const runtime = await openRuntime({ bundle, device: 'cpu', threads: 1 });
  try {
    const promptIds = runtime.tokenizer.encode(prompt, { addBos: true });
    const generated: number[] = [];
    const steps = generate(runtime.session, runtime.session.createSequence(), {
      inputIds: promptIds,
      sampler: new TokenSampler(),
      stoppingCriteria: new StoppingCriteriaList([
        new EosTokenCriteria(runtime.manifest.eosTokenIds),
        new MaxNewTokensCriteria(maxNewTokens),
      ]),
      streamer: new TextStreamer(runtime.tokenizer, { promptIds }),
    });
    for await (const id of steps) generated.push(id);
    return { promptIds, generated };
  } finally {
    await runtime.dispose();
  }
}

/** transformers.js, greedy, on the optimum export `name` in `dir`: the generated ids. */
async function transformersTokens(
  name: string,
  promptIds: readonly number[],
  maxNewTokens: number,
  sessionOptions: Record<string, unknown>,
) {
  // No dtype given: the export's config.json names the file to load.
  const model = await AutoModelForCausalLM.from_pretrained(name, {
    device: 'cpu',
    session_options: {
      intraOpNumThreads: 1,
      ...sessionOptions,
    },
  });
  try {
    const dims = [1, promptIds.length];
    const output = (await model.generate({
      input_ids: new Tensor('int64', BigInt64Array.from(promptIds, BigInt), dims),
      attention_mask: new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), dims),
      max_new_tokens: maxNewTokens,
      do_sample: false,
    })) as Tensor;
    const [sequence] = output.tolist() as bigint[][];
    return (sequence ?? []).slice(promptIds.length).map(Number);
  } finally {
    await model.dispose();
  }
}

/** Checks that transformers.js decodes exactly the engine's tokens from the same checkpoint. */
async function expectSameGreedyTokens(
  converted: { bundle: string; optimum: string },
  name: string,
  prompt: string,
  maxNewTokens: number,
  sessionOptions: Record<string, unknown> = {},
) {
  const engine = await engineTokens(converted.bundle, prompt, maxNewTokens);
  // The exported tokenizer files load in transformers.js and encode as the bundle's do.
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  expect(tokenizer.encode(prompt)).toEqual(engine.promptIds);
  const generated = await transformersTokens(name, engine.promptIds, maxNewTokens, sessionOptions);
  expect(generated).toEqual(engine.generated);
  return engine.generated;
}

describe('litestage convert --layout optimum', () => {
  it('writes the files transformers.js loads a causal LM from', async () => {
    const config = tinyDecoderConfig({ vocabSize: 330 });
    const checkpoint = await tinyCheckpoint(
      'files',
      config,
      tinySentencePieceBpe({ addBosToken: true }),
    );
    const { optimum, printed } = await convertBoth(checkpoint, 'files');
    expect(printed).toBe(
      `${optimum}: transformers.js layout, llama, 3 layers, dtype fp32 (onnx/model.onnx)\n`,
    );
    expect((await readdir(optimum)).sort()).toEqual([
      'config.json',
      'generation_config.json',
      'onnx',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    expect((await readdir(join(optimum, 'onnx'))).sort()).toEqual([
      'model.onnx',
      'model.onnx_data',
    ]);
    const json = JSON.parse(await readFile(join(optimum, 'config.json'), 'utf8'));
    expect(json).toMatchObject({
      model_type: 'llama',
      num_hidden_layers: 3,
      num_key_value_heads: 2,
      'transformers.js_config': { dtype: 'fp32', use_external_data_format: { 'model.onnx': 1 } },
    });
    expect(JSON.parse(await readFile(join(optimum, 'generation_config.json'), 'utf8'))).toEqual({
      bos_token_id: 1,
      eos_token_id: 2,
    });

    const model = await AutoModelForCausalLM.from_pretrained('files', { device: 'cpu' });
    try {
      const session = (model as unknown as { sessions: Record<string, SessionNames> }).sessions
        .model as SessionNames;
      const cache = [0, 1, 2].flatMap((i) => [
        `past_key_values.${i}.key`,
        `past_key_values.${i}.value`,
      ]);
      expect(session.inputNames).toEqual([
        'input_ids',
        'attention_mask',
        'position_ids',
        ...cache,
        'num_logits_to_keep',
      ]);
      expect(session.outputNames).toEqual([
        'logits',
        ...cache.map((name) => name.replace('past_key_values', 'present')),
      ]);
    } finally {
      await model.dispose();
    }
  });

  it.each([
    ['fp32', 'none', 'onnx/model.onnx'],
    ['int8', 'int8', 'onnx/model_int8.onnx'],
  ])(
    'greedy-decodes the engine’s tokens in transformers.js: a tiny random Llama, %s',
    async (dtype, quant, file) => {
      const config = tinyDecoderConfig({ vocabSize: 330, maxPositionEmbeddings: 96 });
      const name = `llama-${dtype}`;
      const checkpoint = await tinyCheckpoint(
        name,
        config,
        tinySentencePieceBpe({ addBosToken: true }),
      );
      const converted = await convertBoth(checkpoint, name, '--quant', quant);
      expect(converted.printed).toMatch(
        new RegExp(`, llama, 3 layers, dtype ${dtype} \\(${file}\\)\n$`),
      );
      const tokens = await expectSameGreedyTokens(
        converted,
        name,
        'Once upon a time the',
        40,
        quant === 'int8' ? SAME_INT8_PRODUCTS : {},
      );
      expect(tokens.length).toBeGreaterThan(8);
    },
  );

  it('greedy-decodes the engine’s tokens in transformers.js: a tiny random Qwen2 with int4 weights', async () => {
    const tokenizer = tinyByteLevelBpe();
    const endOfTurn = tokenizer.ids.get('<|im_end|>') as number;
    const config = tinyDecoderConfig({
      architecture: 'qwen2',
      vocabSize: tokenizer.ids.size,
      hiddenSize: 64,
      intermediateSize: 96,
      headDim: 16,
      attentionBias: true,
      tieWordEmbeddings: true,
      maxPositionEmbeddings: 96,
      bosTokenId: null,
      eosTokenIds: [endOfTurn],
    });
    const checkpoint = await tinyCheckpoint('qwen2', config, tokenizer);
    const converted = await convertBoth(checkpoint, 'qwen2', '--quant', 'int4');
    expect(converted.printed).toMatch(/, qwen2, 3 layers, dtype q4 \(onnx\/model_q4\.onnx\)\n$/);
    const json = JSON.parse(await readFile(join(converted.optimum, 'config.json'), 'utf8'));
    expect(json).toMatchObject({ model_type: 'qwen2', tie_word_embeddings: true });
    const tokens = await expectSameGreedyTokens(converted, 'qwen2', 'the cat sat and', 40);
    expect(tokens.length).toBeGreaterThan(8);
  });

  it('greedy-decodes the engine’s tokens in transformers.js: the demo reasoner v2', async () => {
    const converted = await convertBoth(demoCheckpointDir('v2'), 'demo-v2');
    const prompt = 'Question: Which one is a griflam?\n(A) a blue one (B) an orange one\nAnswer:';
    const tokens = await expectSameGreedyTokens(converted, 'demo-v2', prompt, 48);
    expect(tokens.length).toBeGreaterThan(8);
  });

  it('refuses what the layout cannot hold with one line, exit 1, and no output folder', async () => {
    const checkpoint = demoCheckpointDir('v2');
    const refused = async (args: string[], message: RegExp) => {
      const out = join(dir, 'refused');
      const result = await run('convert', ...args, '--layout', 'optimum', '--out', out);
      expect(result.code, result.err).toBe(1);
      expect(result.err.split('\n').filter(Boolean), result.err).toHaveLength(1);
      expect(result.err).toMatch(message);
      await expect(stat(out)).rejects.toThrow();
    };
    await refused(
      [checkpoint, '--dtype', 'fp16'],
      /^litestage: the optimum layout stores fp32 or quantized weights, not fp16: /,
    );
    await refused(
      [checkpoint, '--graph', 'standard'],
      /^litestage: the optimum layout has the fused graph only/,
    );
    await refused(
      [checkpoint, '--kv-propagate'],
      /^litestage: the propagate KV policy is for a LiteStage bundle's gated graph/,
    );
    await refused(
      [join(stories, 'stories260K.bin'), '--tokenizer', join(stories, 'tok512.bin')],
      /^litestage: .*stories260K\.bin: the optimum layout is made from a Hugging Face checkpoint folder/,
    );
    expect((await readdir(dir)).filter((name) => name.includes('refused'))).toEqual([]);
  });
});

interface SessionNames {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}
