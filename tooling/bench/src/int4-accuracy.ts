/**
 * What each int4 setting costs in accuracy, on real models: stories260K and the demo
 * reasoner v2, each setting's teacher-forced logits and greedy text against the fp32
 * bundle's (see `compareQuantization`).
 *
 *   pnpm --filter @litestage/bench int4-accuracy [--cache dir] [--out file.json]
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  compareQuantization,
  DEMO_REASONER_MODEL,
  INT4_SETTINGS,
  stories260kModel,
} from './perf/quantization-accuracy.js';
import { arg, has } from './script-args.js';

const cache = arg('--cache', join(homedir(), '.cache', 'litestage-bench', 'int4-accuracy'));
await mkdir(cache, { recursive: true });
const log = (line: string) => process.stderr.write(`${line}\n`);

const results: Record<string, unknown> = {};
for (const model of [stories260kModel(), DEMO_REASONER_MODEL]) {
  const comparisons = await compareQuantization(model, INT4_SETTINGS, cache, log);
  for (const c of comparisons) {
    console.log(
      `${model.name} | ${c.setting} | max |dlogit| ${c.maxAbsLogitDiff.toFixed(3)} of range ${c.fp32LogitRange.toFixed(1)} | KL ${c.meanKl.toExponential(2)} | top-1 ${(100 * c.top1Agreement).toFixed(1)}% | greedy as fp32 for ${c.greedySameAsFp32}/${model.steps}`,
    );
  }
  results[model.name] = comparisons.map(({ greedy, ...rest }) => rest);
}
if (has('--out')) await writeFile(arg('--out'), `${JSON.stringify(results, null, 2)}\n`);
