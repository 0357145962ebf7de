import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { loadBundleTokenizer } from '@litestage/model';
import {
  type ConvertOptions,
  INT4_ACCURACY_LEVEL,
  INT4_BLOCK_SIZE,
} from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { openRuntime } from '@litestage/runtime';
import { argmax, logSumExp } from '@litestage/sampler';
import { cachedBundle, DEMO_CHECKPOINT } from './models.js';

/** One way of converting a model, named for the report. */
export interface QuantizationSetting {
  readonly name: string;
  readonly options: Partial<ConvertOptions>;
}

/** The int4 settings compared: the earlier default, each change on its own, the default. */
export const INT4_SETTINGS: readonly QuantizationSetting[] = [
  {
    name: 'level 0, fp32 head, block 32 (the earlier default)',
    options: { quantization: 'int4', accuracyLevel: 0, lmHead: 'float', int4BlockSize: 32 },
  },
  {
    name: 'level 4, fp32 head, block 32',
    options: { quantization: 'int4', accuracyLevel: 4, lmHead: 'float', int4BlockSize: 32 },
  },
  {
    name: 'level 4, int8 head, block 32 (the default)',
    options: {
      quantization: 'int4',
      accuracyLevel: INT4_ACCURACY_LEVEL,
      lmHead: 'int8',
      int4BlockSize: INT4_BLOCK_SIZE,
    },
  },
  {
    name: 'level 4, int4 head, block 32',
    options: { quantization: 'int4', accuracyLevel: 4, lmHead: 'int4', int4BlockSize: 32 },
  },
  {
    name: 'level 4, int8 head, block 64',
    options: { quantization: 'int4', accuracyLevel: 4, lmHead: 'int8', int4BlockSize: 64 },
  },
  {
    name: 'level 4, int8 head, block 128',
    options: { quantization: 'int4', accuracyLevel: 4, lmHead: 'int8', int4BlockSize: 128 },
  },
];

/** A setting's name as a file name. */
export const settingSlug = (setting: QuantizationSetting) =>
  setting.name
    .replace(/\(.*\)/g, '')
    .trim()
    .replace(/\W+/g, '-');

/** A real model to compare on, and the greedy run its text comes from. */
export interface AccuracyModel {
  readonly name: string;
  readonly convert: Omit<ConvertOptions, 'out'>;
  /** The prompt the greedy text continues: token ids, or text for the bundle's tokenizer. */
  readonly prompt: readonly number[] | string;
  readonly steps: number;
}

/** stories260K (llama2.c's, a committed fixture), greedy from BOS as run.c does. */
export function stories260kModel(): AccuracyModel {
  const dir = fixturePath('stories260k');
  return {
    name: 'stories260K',
    convert: {
      input: join(dir, 'stories260K.bin'),
      tokenizer: join(dir, 'tok512.bin'),
      plainGraph: false,
    },
    prompt: [1],
    steps: 200,
  };
}

/** The demo reasoner v2, greedy from a held-out question's recall prompt. */
export const DEMO_REASONER_MODEL: AccuracyModel = {
  name: 'demo reasoner v2',
  convert: { input: DEMO_CHECKPOINT, plainGraph: false },
  // `litestage task show --task synthetic --split test`, question 0.
  prompt:
    'Which creature is active at noon?\n(A) bulikru (B) drirepluk (C) tisnep (D) futrai\nRecall:',
  steps: 120,
};

/** How far one setting's logits and text are from the fp32 bundle's. */
export interface AccuracyComparison {
  readonly setting: string;
  /** Largest |logit - fp32 logit| over every position and token. */
  readonly maxAbsLogitDiff: number;
  /** The fp32 logits' own spread (max - min over every position), for scale. */
  readonly fp32LogitRange: number;
  /** Mean KL(fp32 || setting) over positions, in nats. */
  readonly meanKl: number;
  /** Share of positions whose argmax is fp32's. */
  readonly top1Agreement: number;
  /** The setting's own greedy tokens. */
  readonly greedy: readonly number[];
  /** How many of them equal fp32's before the first difference. */
  readonly greedySameAsFp32: number;
}

/** Greedy tokens after `prompt`, one decode step at a time. */
async function greedy(bundle: string, prompt: readonly number[], steps: number) {
  const runtime = await openRuntime({ bundle, threads: 1 });
  try {
    const vocab = runtime.bundle.manifest.vocabSize;
    const sequence = runtime.session.createSequence();
    const tokens: number[] = [];
    let feed = [...prompt];
    for (let step = 0; step < steps; step++) {
      const out = await runtime.session.step(sequence, { tokens: feed });
      const next = argmax(out.logits.subarray(out.logits.length - vocab));
      tokens.push(next);
      feed = [next];
    }
    return tokens;
  } finally {
    await runtime.dispose();
  }
}

/** The logits of `tokens` fed at once (teacher forcing), one row per position. */
async function forced(bundle: string, tokens: readonly number[]): Promise<Float32Array[]> {
  const runtime = await openRuntime({ bundle, threads: 1 });
  try {
    const vocab = runtime.bundle.manifest.vocabSize;
    const out = await runtime.session.step(runtime.session.createSequence(), {
      tokens: [...tokens],
      allLogits: true,
    });
    return Array.from({ length: tokens.length }, (_, t) =>
      out.logits.slice(t * vocab, (t + 1) * vocab),
    );
  } finally {
    await runtime.dispose();
  }
}

/**
 * Converts `model` in fp32 and under each setting (bundles cached in `cache`), and compares
 * each setting's logits with fp32's on the same teacher-forced tokens (the prompt and fp32's
 * greedy continuation), and its greedy text with fp32's.
 */
export async function compareQuantization(
  model: AccuracyModel,
  settings: readonly QuantizationSetting[],
  cache: string,
  log: (line: string) => void = () => {},
): Promise<AccuracyComparison[]> {
  const slug = model.name.replace(/\W+/g, '-');
  const fp32 = await cachedBundle(cache, `${slug}-fp32`, model.convert, log);
  const prompt =
    typeof model.prompt === 'string'
      ? (await loadBundleTokenizer(await openBundle(fp32))).encode(model.prompt, { addBos: true })
      : model.prompt;
  const reference = await greedy(fp32, prompt, model.steps);
  const text = [...prompt, ...reference.slice(0, -1)];
  const want = await forced(fp32, text);
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of want) for (const v of row) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const comparisons: AccuracyComparison[] = [];
  for (const setting of settings) {
    const name = `${slug}-${settingSlug(setting)}`;
    const bundle = await cachedBundle(cache, name, { ...model.convert, ...setting.options }, log);
    const got = await forced(bundle, text);
    let maxAbs = 0;
    let kl = 0;
    let agree = 0;
    want.forEach((w, t) => {
      const g = got[t] as Float32Array;
      for (let i = 0; i < w.length; i++)
        maxAbs = Math.max(maxAbs, Math.abs((w[i] as number) - (g[i] as number)));
      // KL(p || q) over log-probabilities log p = w - lse(w), log q = g - lse(g).
      const lw = logSumExp(w);
      const lg = logSumExp(g);
      for (let i = 0; i < w.length; i++) {
        const logP = (w[i] as number) - lw;
        kl += Math.exp(logP) * (logP - ((g[i] as number) - lg));
      }
      if (argmax(w) === argmax(g)) agree++;
    });
    const own = await greedy(bundle, prompt, model.steps);
    const firstDiff = own.findIndex((t, i) => t !== reference[i]);
    comparisons.push({
      setting: setting.name,
      maxAbsLogitDiff: maxAbs,
      fp32LogitRange: hi - lo,
      meanKl: kl / want.length,
      top1Agreement: agree / want.length,
      greedy: own,
      greedySameAsFp32: firstDiff < 0 ? model.steps : firstDiff,
    });
  }
  return comparisons;
}
