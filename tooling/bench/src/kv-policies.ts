/**
 * The KV-cache policies side by side: full depth and a profile, each under every policy the
 * bundle can run (`reprefill`, `reuse`; `propagate` only on a bundle converted for it, which
 * then runs nothing else), all answering each question in turn (rotated order). Reports
 * accuracy, latency, speedup against full depth under the first of them (`reprefill`, the
 * paper's picture, where the bundle runs it), and how many questions' stage texts differ
 * from that baseline's.
 *
 *   node dist/kv-policies.js --bundle <dir> --profile <profile.json> --test <test.jsonl> [--task synthetic] [--limit 100] [--threads 1] [--out result.json]
 */
import { readFile, writeFile } from 'node:fs/promises';
import { checkKvPolicy, KV_POLICIES, type KvPolicy } from '@litestage/core';
import { type Profile, parseProfile } from '@litestage/profile';
import { openRuntime } from '@litestage/runtime';
import { compareEngines, questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import { arg, deviceArg, deviceLine } from './script-args.js';

const profilePath = arg('--profile');
const profile = parseProfile(await readFile(profilePath, 'utf8'), { source: profilePath });
const runtime = await openRuntime({
  device: deviceArg(),
  bundle: arg('--bundle'),
  task: arg('--task', 'synthetic'),
  threads: Number(arg('--threads', '1')),
});
process.stderr.write(`${deviceLine(runtime)}\n`);
const questions = (await loadQuestionRecords(arg('--test')))
  .slice(0, Number(arg('--limit', '100')))
  .map(questionOfRecord);

const withPolicy = (base: Profile, kvPolicy: KvPolicy): Profile => ({
  ...base,
  runtime: { ...base.runtime, kvPolicy },
});
const runs = (policy: KvPolicy) => {
  try {
    checkKvPolicy(policy, runtime.manifest);
    return true;
  } catch {
    return false;
  }
};
const policies = KV_POLICIES.filter(runs);
const full = runtime.fullDepthProfile({
  maxNewTokens: Object.fromEntries(
    Object.entries(profile.stages).map(([name, stage]) => [name, stage.maxNewTokens]),
  ),
});
const methods = policies.flatMap((policy) => [
  { name: `full depth, ${policy}`, engine: runtime.createEngine(withPolicy(full, policy)) },
  { name: `profile, ${policy}`, engine: runtime.createEngine(withPolicy(profile, policy)) },
]);
const baseline = methods[0]?.name as string;
const started = Date.now();
const comparison = await compareEngines({
  methods,
  baseline,
  questions,
  onProgress: ({ done, total }) => {
    if (done === total || done % 10 === 0) process.stderr.write(`${done}/${total} questions\n`);
  },
});
await runtime.dispose();

const textsOf = (name: string) =>
  (comparison.methods[name]?.results ?? []).map((r) => r.stages.map((s) => s.text).join('\n'));
const baselineTexts = textsOf(baseline);
const pct = (x: number) => (100 * x).toFixed(1);
const lines = [
  `| method | accuracy (95% CI) | vs ${baseline} (paired 95% CI) | ms per question | speedup | questions whose texts differ |`,
  '| --- | --- | --- | ---: | ---: | ---: |',
  ...methods.map(({ name }) => {
    const { summary } = comparison.methods[name] as NonNullable<
      (typeof comparison.methods)[string]
    >;
    const paired = comparison.paired[name];
    const vs = paired
      ? `${pct(paired.accuracy.difference)} (${pct(paired.accuracy.interval.lower)} to ${pct(paired.accuracy.interval.upper)})`
      : 'baseline';
    const differ = textsOf(name).filter((text, i) => text !== baselineTexts[i]).length;
    return `| ${name} | ${pct(summary.accuracy)} (${pct(summary.interval.lower)}-${pct(summary.interval.upper)}) | ${vs} | ${summary.meanMs.toFixed(0)} | ${paired ? `${paired.speedup.toFixed(2)}x` : '1.00x'} | ${differ} |`;
  }),
];
console.log(
  `${comparison.questions} questions, ${methods.length} methods interleaved, ${((Date.now() - started) / 60000).toFixed(1)} min\n`,
);
console.log(lines.join('\n'));
if (process.argv.includes('--out')) {
  const summaries = Object.fromEntries(
    Object.entries(comparison.methods).map(([name, m]) => [name, m.summary]),
  );
  await writeFile(
    arg('--out'),
    `${JSON.stringify({ questions: comparison.questions, summaries, paired: comparison.paired }, null, 2)}\n`,
  );
}
