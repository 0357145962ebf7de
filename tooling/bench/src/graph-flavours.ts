/**
 * The graph flavours side by side: bundles of the same checkpoint converted with `--graph
 * fused` and `--graph standard` (same weights, same fingerprint). Reports, interleaved so
 * machine noise falls on all alike:
 *
 * - full-depth decode step time (gated graph, nothing skipped) at a fixed context: median,
 *   min and max over `--steps` steps each;
 * - with `--test`, full-depth ms per question over the questions, answered in turn (rotated
 *   order), with accuracy and how many questions' texts differ from the first bundle's;
 * - with `--kernels`, the kernels onnxruntime runs per decode step (its profiler's kernel
 *   events), per graph.
 *
 *   node dist/graph-flavours.js --bundles <dir>,<dir> [--test <test.jsonl>] [--limit 30] [--task synthetic] [--steps 300] [--context 64] [--threads 1] [--kernels]
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BundleManifest } from '@litestage/core';
import { openRuntime, type Runtime } from '@litestage/runtime';
import { median } from '@litestage/search';
import { compareEngines, questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import * as ort from 'onnxruntime-node';
import { rawFeeds } from './perf/raw-loop.js';
import { arg, has } from './script-args.js';

const bundles = arg('--bundles').split(',');
const threads = Number(arg('--threads', '1'));
const steps = Number(arg('--steps', '300'));
const contextLength = Number(arg('--context', '64'));
const context = Array.from({ length: contextLength }, (_, i) => 3 + (i % 100));

const runtimes: Runtime[] = [];
for (const bundle of bundles) {
  runtimes.push(await openRuntime({ bundle, task: arg('--task', 'synthetic'), threads }));
}
const label = (runtime: Runtime, i: number) =>
  `${runtime.manifest.graphFlavour ?? 'standard'} (${bundles[i]})`;
const fingerprints = new Set(runtimes.map((r) => r.manifest.fingerprint));
console.log(
  `${runtimes[0]?.manifest.name}: ${runtimes[0]?.manifest.numLayers} layers, ${threads} thread(s), ${fingerprints.size === 1 ? 'one fingerprint' : 'DIFFERENT fingerprints'}`,
);

// Decode steps, interleaved.
const sequences = runtimes.map((r) => r.session.createSequence());
for (const [i, runtime] of runtimes.entries()) {
  await runtime.session.step(sequences[i] as ReturnType<typeof runtime.session.createSequence>, {
    tokens: context,
  });
}
const times: number[][] = runtimes.map(() => []);
for (let step = 0; step < steps + 10; step++) {
  for (const [i, runtime] of runtimes.entries()) {
    const sequence = sequences[i] as ReturnType<typeof runtime.session.createSequence>;
    const start = performance.now();
    await runtime.session.step(sequence, { tokens: [7] });
    if (step >= 10) times[i]?.push(performance.now() - start);
    sequence.truncate(context.length);
  }
}
const base = median(times[0] as number[]);
console.log(`\nfull-depth decode step, context ${contextLength}, ${steps} steps each`);
console.log('| graph | median ms/token | min | max | speedup vs first |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const [i, runtime] of runtimes.entries()) {
  const t = times[i] as number[];
  const m = median(t);
  console.log(
    `| ${label(runtime, i)} | ${m.toFixed(3)} | ${Math.min(...t).toFixed(3)} | ${Math.max(...t).toFixed(3)} | ${(base / m).toFixed(2)}x |`,
  );
}

// Questions, interleaved.
if (has('--test')) {
  const questions = (await loadQuestionRecords(arg('--test')))
    .slice(0, Number(arg('--limit', '30')))
    .map(questionOfRecord);
  const methods = runtimes.map((runtime, i) => ({
    name: label(runtime, i),
    engine: runtime.createEngine(runtime.fullDepthProfile()),
  }));
  const comparison = await compareEngines({ methods, questions });
  const textsOf = (name: string) =>
    (comparison.methods[name]?.results ?? []).map((r) => r.stages.map((s) => s.text).join('\n'));
  const first = textsOf(methods[0]?.name as string);
  console.log(`\nfull depth, ${comparison.questions} questions`);
  console.log(
    '| graph | accuracy | ms per question | speedup vs first | texts differing from first |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const { name } of methods) {
    const report = comparison.methods[name];
    if (!report) continue;
    const speedup = comparison.paired[name]?.speedup ?? 1;
    const differ = textsOf(name).filter((text, i) => text !== first[i]).length;
    console.log(
      `| ${name} | ${(100 * report.summary.accuracy).toFixed(1)} | ${report.summary.meanMs.toFixed(1)} | ${speedup.toFixed(2)}x | ${differ} |`,
    );
  }
}
for (const runtime of runtimes) await runtime.dispose();

// Kernels per decode step, from onnxruntime's profiler.
if (has('--kernels')) {
  console.log('\nkernels per full-depth decode step (onnxruntime profiler)');
  console.log('| graph | file | kernels per step |');
  console.log('| --- | --- | ---: |');
  for (const bundle of bundles) {
    const manifest = JSON.parse(
      await readFile(join(bundle, 'litestage.json'), 'utf8'),
    ) as BundleManifest;
    const graphs = [manifest.graphs.gated, manifest.graphs.plain].filter((g) => g !== null);
    for (const graph of graphs) {
      const count = await kernelsPerStep(join(bundle, graph.file), manifest, 20);
      console.log(
        `| ${manifest.graphFlavour ?? 'standard'} | ${graph.file} | ${count.toFixed(1)} |`,
      );
    }
  }
}

/** Runs a prefill and `decodeSteps` decode steps under the profiler; kernel events per decode step. */
async function kernelsPerStep(
  file: string,
  manifest: BundleManifest,
  decodeSteps: number,
): Promise<number> {
  const profileDir = await mkdtemp(join(tmpdir(), 'litestage-kernels-'));
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableProfiling: true,
    profileFilePrefix: join(profileDir, 'profile'),
  });
  const { numLayers, numKvHeads, headDim } = manifest;
  const empty = (): ort.Tensor =>
    new ort.Tensor('float32', new Float32Array(0), [1, numKvHeads, 0, headDim]);
  let keys: ort.Tensor[] = Array.from({ length: numLayers }, empty);
  let values: ort.Tensor[] = Array.from({ length: numLayers }, empty);
  let length = 0;
  const run = async (tokens: number[]) => {
    const t = tokens.length;
    const feeds = rawFeeds(manifest, session.inputNames, tokens, length, [keys, values]);
    const out = await session.run(feeds);
    keys = keys.map((_, j) => out[`present_key.${j}`] as ort.Tensor);
    values = values.map((_, j) => out[`present_value.${j}`] as ort.Tensor);
    length += t;
  };
  await run(context);
  for (let i = 0; i < decodeSteps; i++) await run([7]);
  session.endProfiling();
  await session.release();
  const [profile] = await readdir(profileDir);
  if (!profile) throw new Error(`onnxruntime wrote no profile into ${profileDir}`);
  const events = JSON.parse(await readFile(join(profileDir, profile), 'utf8')) as {
    cat: string;
    name: string;
    ts: number;
    dur: number;
  }[];
  await rm(profileDir, { recursive: true, force: true });
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  const decodeRuns = runs.slice(1);
  const inDecode = (ts: number) => decodeRuns.some((r) => ts >= r.ts && ts <= r.ts + r.dur);
  const kernels = events.filter(
    (e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && inDecode(e.ts),
  );
  return kernels.length / decodeRuns.length;
}
