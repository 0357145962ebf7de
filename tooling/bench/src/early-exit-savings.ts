/**
 * Whether early exit earns its keep: for the profile's skip sets and for heavier ones
 * (each stage's set extended by the next h sub-layers of the profile's ranking), how many
 * stage outputs end by early exit, and how many tokens that saves against the same budget
 * without it. Every variant and full depth answer each question in turn (rotated order).
 *
 *   node dist/early-exit-savings.js --bundle <dir> --profile <profile.json> --test <test.jsonl> [--task synthetic] [--limit 300] [--heavier 2,4,6] [--window N --threshold X] [--threads 1] [--out result.json]
 *
 * Stages whose profile settings have no early exit take `--window`/`--threshold` (max
 * probability) when given, and otherwise none.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { EarlyExitSettings } from '@litestage/profile';
import { parseProfile } from '@litestage/profile';
import { openRuntime } from '@litestage/runtime';
import { compareEngines, questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import {
  budgetProfile,
  parseHeavier,
  type SkipBudget,
  type StageEnding,
  skipBudgets,
  stageEndings,
  tokensSaved,
} from './early-exit-budgets.js';
import { arg, deviceArg, deviceLine, has } from './script-args.js';

const profilePath = arg('--profile');
const profile = parseProfile(await readFile(profilePath, 'utf8'), { source: profilePath });
const ranking = profile.provenance?.ranking.entries.map((e) => e.id);
if (!ranking)
  throw new Error(`${profilePath} has no provenance ranking to take heavier budgets from`);
if (has('--window') !== has('--threshold')) throw new Error('--window and --threshold go together');
const fallback: EarlyExitSettings | null = has('--window')
  ? {
      confidence: 'maxProb',
      window: Number(arg('--window')),
      threshold: Number(arg('--threshold')),
    }
  : null;
const threads = Number(arg('--threads', '1'));
const runtime = await openRuntime({
  device: deviceArg(),
  bundle: arg('--bundle'),
  task: arg('--task', 'synthetic'),
  threads,
});
process.stderr.write(`${deviceLine(runtime)}\n`);
const questions = (await loadQuestionRecords(arg('--test')))
  .slice(0, Number(arg('--limit', '300')))
  .map(questionOfRecord);
const stages = runtime.format.stages.map((s) => s.name);
const budgets = skipBudgets(profile, ranking, parseHeavier(arg('--heavier', '2,4,6')));

const FULL = 'full depth';
const variantName = (budget: SkipBudget, exit: boolean) =>
  `${budget.name}, ${exit ? 'early exit' : 'no early exit'}`;
const maxNewTokens = Object.fromEntries(
  Object.entries(profile.stages).map(([name, stage]) => [name, stage.maxNewTokens]),
);
// A profile made for another model or format is refused here, before any question runs.
const methods = [
  {
    name: FULL,
    engine: runtime.createEngine(
      runtime.fullDepthProfile({ kvPolicy: profile.runtime.kvPolicy, maxNewTokens }),
    ),
  },
  ...budgets.flatMap((budget) =>
    [true, false].map((exit) => ({
      name: variantName(budget, exit),
      engine: runtime.createEngine(budgetProfile(profile, budget, exit, fallback)),
    })),
  ),
];
for (const budget of budgets)
  console.error(
    `${budget.name}: ${stages.map((s) => `${s} skips ${budget.skip[s]?.join(' ') || 'nothing'}`).join('; ')}`,
  );

const started = Date.now();
const comparison = await compareEngines({
  methods,
  baseline: FULL,
  questions,
  onProgress: ({ done, total }) =>
    console.error(
      `question ${done}/${total} (${methods.length} methods), ${((Date.now() - started) / 1000).toFixed(0)} s`,
    ),
});

interface VariantRow {
  budget: string;
  earlyExit: boolean;
  skip: Readonly<Record<string, readonly string[]>>;
  accuracy: number;
  interval: { lower: number; upper: number };
  difference: number | null;
  differenceInterval: { lower: number; upper: number } | null;
  meanMs: number;
  speedup: number;
  stages: Record<string, StageEnding>;
  tokensSaved: Record<string, number> | null;
}

function rowOf(name: string, budget: SkipBudget | null, exit: boolean): VariantRow {
  const report = comparison.methods[name];
  if (!report) throw new Error(`no results for ${name}`);
  const paired = comparison.paired[name];
  return {
    budget: budget?.name ?? FULL,
    earlyExit: exit,
    skip: budget?.skip ?? {},
    accuracy: report.summary.accuracy,
    interval: report.summary.interval,
    difference: paired?.accuracy.difference ?? null,
    differenceInterval: paired?.accuracy.interval ?? null,
    meanMs: report.summary.meanMs,
    speedup: paired?.speedup ?? 1,
    stages: stageEndings(report.results, stages),
    tokensSaved: null,
  };
}

const rows: VariantRow[] = [rowOf(FULL, null, false)];
for (const budget of budgets) {
  const withExit = rowOf(variantName(budget, true), budget, true);
  const withoutExit = rowOf(variantName(budget, false), budget, false);
  withExit.tokensSaved = tokensSaved(withExit.stages, withoutExit.stages);
  rows.push(withExit, withoutExit);
}

const pct = (x: number) => (100 * x).toFixed(1);
const signed = (x: number, digits = 1) => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const n = comparison.questions;
const lines = [
  `| budget | early exit | accuracy [95%] | vs full depth, points [95%] | mean ms | speedup | ${stages.map((s) => `${s}: tokens, early exits, saved`).join(' | ')} |`,
  `| --- | --- | --- | --- | ---: | ---: | ${stages.map(() => '---').join(' | ')} |`,
  ...rows.map((row) => {
    const difference =
      row.difference === null || row.differenceInterval === null
        ? ''
        : `${signed(100 * row.difference)} [${signed(100 * row.differenceInterval.lower)}, ${signed(100 * row.differenceInterval.upper)}]`;
    const perStage = stages.map((s) => {
      const ending = row.stages[s] as StageEnding;
      const saved = row.tokensSaved?.[s];
      return `${ending.meanTokens.toFixed(1)}, ${ending.earlyExits}/${n}${saved === undefined ? '' : `, ${signed(saved)}`}`;
    });
    return `| ${row.budget} | ${row.budget === FULL ? 'no' : row.earlyExit ? 'yes' : 'no'} | ${pct(row.accuracy)} [${pct(row.interval.lower)}, ${pct(row.interval.upper)}] | ${difference} | ${row.meanMs.toFixed(0)} | ${row.speedup.toFixed(2)}x | ${perStage.join(' | ')} |`;
  }),
];
const exitNote = fallback
  ? `stages without early exit in the profile: window ${fallback.window}, max probability <= ${fallback.threshold}`
  : 'early exit only where the profile sets it';
console.log(
  `\n${n} questions, ${methods.length} methods interleaved, ${threads} thread(s), ${exitNote}, ${((Date.now() - started) / 60000).toFixed(1)} min\n`,
);
console.log(lines.join('\n'));
if (has('--out'))
  await writeFile(
    arg('--out'),
    `${JSON.stringify({ questions: n, threads, earlyExitFallback: fallback, ranking, rows }, null, 2)}\n`,
  );
await runtime.dispose();
