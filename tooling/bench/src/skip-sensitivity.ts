/**
 * Per-stage skip sensitivity: for each stage alone, accuracy as the top 0, 2, 4, ...
 * sub-layers of the cosine ranking are skipped, with the other stages at full depth.
 *
 *   node dist/skip-sensitivity.js --bundle <dir> --calib <calib.jsonl> --test <test.jsonl> [--limit 300] [--rank-limit 100] [--step 2] [--stages recall,analyze] [--out result.json]
 *
 * `--stages` measures only those stages (the full-depth cell is measured every time), so the
 * stages can run in separate processes.
 */
import { writeFile } from 'node:fs/promises';
import type { Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import { openRuntime } from '@litestage/runtime';
import { EngineEvaluator, rankSubLayers } from '@litestage/search';
import { questionOfRecord, wilsonInterval } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import type { SensitivityCell } from './charts.js';
import { arg, deviceArg, deviceLine } from './script-args.js';

const runtime = await openRuntime({
  device: deviceArg(),
  bundle: arg('--bundle'),
  task: 'tinythinker',
  threads: Number(arg('--threads', '1')),
});
process.stderr.write(`${deviceLine(runtime)}\n`);
const { format, tokenizer, session, manifest } = runtime;
const calib = (await loadQuestionRecords(arg('--calib')))
  .slice(0, Number(arg('--rank-limit', '100')))
  .map(questionOfRecord);
const test = (await loadQuestionRecords(arg('--test')))
  .slice(0, Number(arg('--limit', '300')))
  .map(questionOfRecord);
const step = Number(arg('--step', '2'));
const base = runtime.fullDepthProfile();
const stages = format.stages.map((s) => s.name);
const measured = process.argv.includes('--stages') ? arg('--stages').split(',') : stages;
for (const name of measured)
  if (!stages.includes(name))
    throw new Error(`--stages: unknown stage ${name} (${stages.join(', ')})`);

const started = Date.now();
const evaluator = new EngineEvaluator({
  session,
  tokenizer,
  format,
  baseProfile: base,
  questions: calib,
});
const ranking = await rankSubLayers(evaluator, evaluator.questionIds);
console.log(
  `ranking (most redundant first): ${ranking.global.map((r) => `${r.id} ${r.score.toFixed(3)}`).join(', ')}`,
);

interface Cell extends SensitivityCell {
  recallExact: number;
}

async function evaluate(skip: Record<string, string[]>): Promise<Omit<Cell, 'stage' | 'k'>> {
  const profile: Profile = {
    ...base,
    stages: Object.fromEntries(
      stages.map((s) => [
        s,
        { ...(base.stages[s] as Profile['stages'][string]), skip: skip[s] ?? [] },
      ]),
    ),
  };
  const engine = runtime.createEngine(profile);
  let correct = 0;
  let recallExact = 0;
  const tokens: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
  for (const question of test as Question[]) {
    const result = await engine.run(question);
    if (result.correct) correct++;
    if (result.stages[0]?.text === question.gold?.recall) recallExact++;
    for (const stage of result.stages)
      tokens[stage.name] = (tokens[stage.name] ?? 0) + stage.tokens / test.length;
  }
  const interval = wilsonInterval(correct, test.length);
  return {
    accuracy: correct / test.length,
    lower: interval.lower,
    upper: interval.upper,
    meanTokens: tokens,
    recallExact: recallExact / test.length,
  };
}

const full = await evaluate({});
const cells: Cell[] = [];
for (const stage of measured) {
  cells.push({ stage, k: 0, ...full });
  for (let k = step; k <= 2 * manifest.numLayers; k += step) {
    const cell = {
      stage,
      k,
      ...(await evaluate({ [stage]: ranking.global.slice(0, k).map((r) => r.id) })),
    };
    cells.push(cell);
    console.log(
      `${stage} k=${k}: accuracy ${(100 * cell.accuracy).toFixed(1)}% [${(100 * cell.lower).toFixed(1)}, ${(100 * cell.upper).toFixed(1)}], ${stage} tokens ${cell.meanTokens[stage]?.toFixed(1)}, recall exact ${(100 * cell.recallExact).toFixed(1)}%`,
    );
  }
}
const ks = [...new Set(cells.map((c) => c.k))];
const lines = [
  `| stage | ${ks.map((k) => `k=${k}`).join(' | ')} |`,
  `| --- | ${ks.map(() => '---').join(' | ')} |`,
  ...measured.map(
    (stage) =>
      `| ${stage} | ${ks
        .map((k) => {
          const c = cells.find((x) => x.stage === stage && x.k === k);
          return c
            ? `${(100 * c.accuracy).toFixed(1)} (${(100 * c.lower).toFixed(0)}-${(100 * c.upper).toFixed(0)}); ${c.meanTokens[stage]?.toFixed(0)} tok`
            : '';
        })
        .join(' | ')} |`,
  ),
];
console.log(
  `\n${test.length} test questions, ranking from ${calib.length} calibration questions, ${((Date.now() - started) / 60000).toFixed(1)} min\n`,
);
console.log(lines.join('\n'));
const out = process.argv.includes('--out') ? arg('--out') : undefined;
if (out)
  await writeFile(
    out,
    `${JSON.stringify({ ranking: ranking.global, cells, questions: test.length }, null, 2)}\n`,
  );
await session.dispose();
