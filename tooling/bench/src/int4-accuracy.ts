/**
 * What each int4 setting costs in accuracy, on real models: stories260K (llama2.c's, a
 * committed fixture) and the demo reasoner v2. Each is converted in fp32 and in int4 under
 * each setting (accuracy level, LM head, block size); every int4 bundle's logits are compared
 * with the fp32 bundle's on the same teacher-forced tokens (the fp32 greedy continuation), and
 * its own greedy text with the fp32 one.
 *
 *   pnpm --filter @litestage/bench int4-accuracy [--cache dir] [--out file.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { loadBundleTokenizer } from '@litestage/model';
import type { ConvertOptions } from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { openRuntime } from '@litestage/runtime';
import { cachedBundle, DEMO_CHECKPOINT } from './perf/models.js';
import { arg, has } from './script-args.js';

const cache = arg('--cache', join(homedir(), '.cache', 'litestage-bench', 'int4-accuracy'));
await mkdir(cache, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Setting {
  readonly name: string;
  readonly options: Partial<ConvertOptions>;
}

const SETTINGS: readonly Setting[] = [
  { name: 'level 0, fp32 head, block 32', options: { accuracyLevel: 0, lmHead: 'float' } },
  { name: 'level 4, fp32 head, block 32', options: { accuracyLevel: 4, lmHead: 'float' } },
  { name: 'level 4, int8 head, block 32', options: { accuracyLevel: 4, lmHead: 'int8' } },
  { name: 'level 4, int4 head, block 32', options: { accuracyLevel: 4, lmHead: 'int4' } },
  {
    name: 'level 4, int8 head, block 64',
    options: { accuracyLevel: 4, lmHead: 'int8', int4BlockSize: 64 },
  },
  {
    name: 'level 4, int8 head, block 128',
    options: { accuracyLevel: 4, lmHead: 'int8', int4BlockSize: 128 },
  },
];

interface Model {
  readonly name: string;
  readonly convert: Omit<ConvertOptions, 'out'>;
  /** The prompt the greedy text continues: token ids, or text for the bundle's tokenizer. */
  readonly prompt: readonly number[] | string;
  readonly steps: number;
}

const stories = fixturePath('stories260k');
const MODELS: readonly Model[] = [
  {
    name: 'stories260K',
    convert: {
      input: join(stories, 'stories260K.bin'),
      tokenizer: join(stories, 'tok512.bin'),
      plainGraph: false,
    },
    prompt: [1],
    steps: 200,
  },
  {
    name: 'demo reasoner v2',
    convert: { input: DEMO_CHECKPOINT, plainGraph: false },
    // A held-out question's recall prompt (`litestage task show --task synthetic --split test`).
    prompt:
      'Which creature is active at noon?\n(A) bulikru (B) drirepluk (C) tisnep (D) futrai\nRecall:',
    steps: 120,
  },
];

function argmax(values: Float32Array, from: number, width: number): number {
  let best = from;
  for (let i = from + 1; i < from + width; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best - from;
}

/** log-softmax of one row. */
function logSoftmax(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  const lse = max + Math.log(sum);
  return Float64Array.from(row, (v) => v - lse);
}

/** Greedy tokens after `prompt`, and the logits of every position of prompt + tokens. */
async function greedy(
  bundle: string,
  prompt: readonly number[],
  steps: number,
): Promise<{ tokens: number[]; logits: Float32Array[] }> {
  const runtime = await openRuntime({ bundle, threads: 1 });
  try {
    const vocab = runtime.bundle.manifest.vocabSize;
    const sequence = runtime.session.createSequence();
    const tokens: number[] = [];
    const logits: Float32Array[] = [];
    let feed = [...prompt];
    for (let step = 0; step < steps; step++) {
      const out = await runtime.session.step(sequence, { tokens: feed, allLogits: true });
      for (let t = 0; t < feed.length; t++)
        logits.push(out.logits.slice(t * vocab, (t + 1) * vocab));
      const next = argmax(out.logits, (feed.length - 1) * vocab, vocab);
      tokens.push(next);
      feed = [next];
    }
    return { tokens, logits };
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

interface Comparison {
  readonly setting: string;
  /** Largest |logit - fp32 logit| over every position and token. */
  readonly maxAbsLogitDiff: number;
  /** The fp32 logits' own spread (max - min over every position), for scale. */
  readonly fp32LogitRange: number;
  /** Mean KL(fp32 || int4) over positions, in nats. */
  readonly meanKl: number;
  /** Share of positions whose argmax is fp32's. */
  readonly top1Agreement: number;
  /** Greedy tokens equal to fp32's before the first difference. */
  readonly greedySameTokens: number;
  readonly greedySteps: number;
}

const results: Record<string, Comparison[]> = {};
for (const model of MODELS) {
  const slug = model.name.replace(/\W+/g, '-');
  const fp32 = await cachedBundle(cache, `${slug}-fp32`, model.convert, log);
  const prompt =
    typeof model.prompt === 'string'
      ? (await loadBundleTokenizer(await openBundle(fp32))).encode(model.prompt, { addBos: true })
      : model.prompt;
  const reference = await greedy(fp32, prompt, model.steps);
  const text = [...prompt, ...reference.tokens.slice(0, -1)];
  const want = await forced(fp32, text);
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of want) for (const v of row) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  results[model.name] = [];
  for (const setting of SETTINGS) {
    const name = `${slug}-${setting.name.replace(/\W+/g, '-')}`;
    const bundle = await cachedBundle(
      cache,
      name,
      { ...model.convert, quantization: 'int4', ...setting.options },
      log,
    );
    const got = await forced(bundle, text);
    let maxAbs = 0;
    let kl = 0;
    let agree = 0;
    want.forEach((w, t) => {
      const g = got[t] as Float32Array;
      for (let i = 0; i < w.length; i++)
        maxAbs = Math.max(maxAbs, Math.abs((w[i] as number) - (g[i] as number)));
      const p = logSoftmax(w);
      const q = logSoftmax(g);
      for (let i = 0; i < p.length; i++)
        kl += Math.exp(p[i] as number) * ((p[i] as number) - (q[i] as number));
      if (argmax(w, 0, w.length) === argmax(g, 0, g.length)) agree++;
    });
    const own = await greedy(bundle, prompt, model.steps);
    const firstDiff = own.tokens.findIndex((t, i) => t !== reference.tokens[i]);
    const comparison: Comparison = {
      setting: setting.name,
      maxAbsLogitDiff: maxAbs,
      fp32LogitRange: hi - lo,
      meanKl: kl / want.length,
      top1Agreement: agree / want.length,
      greedySameTokens: firstDiff < 0 ? model.steps : firstDiff,
      greedySteps: model.steps,
    };
    results[model.name]?.push(comparison);
    log(
      `${model.name} | ${setting.name} | max |dlogit| ${maxAbs.toFixed(3)} of range ${(hi - lo).toFixed(1)} | KL ${comparison.meanKl.toExponential(2)} | top-1 ${(100 * comparison.top1Agreement).toFixed(1)}% | greedy same for ${comparison.greedySameTokens}/${model.steps}`,
    );
  }
}
if (has('--out')) await writeFile(arg('--out'), `${JSON.stringify(results, null, 2)}\n`);
