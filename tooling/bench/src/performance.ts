/**
 * `pnpm bench`: the performance report. One run, every comparison interleaved (A/B step by
 * step, medians with min and max), the machine described and its memory bandwidth measured;
 * writes `docs/results/performance.md` and `performance.json`. Models it converts (the demo
 * reasoner's two graph flavours, a random TinyLlama-shaped model) are cached in `--cache`.
 *
 *   node dist/performance.js [--out docs/results] [--cache ~/.cache/litestage-bench] [--quick]
 */
import { mkdir } from 'node:fs/promises';
import { availableParallelism, cpus, homedir, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutoModelForCausalLM, env, Tensor } from '@huggingface/transformers';
import { nodeRuntimeVersions } from '@litestage/backend-node';
import { generate, type ModelSession, type SkipMask, TextStreamer } from '@litestage/core';
import { decodeWeightBytes } from '@litestage/model';
import type { ConvertOptions } from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { IN_PLACE_FROM, PLAIN_AT_FULL_DEPTH_BELOW } from '@litestage/ort-session';
import { openRuntime, type Runtime } from '@litestage/runtime';
import { MaxNewTokensCriteria, StoppingCriteriaList, TokenSampler } from '@litestage/sampler';
import { median } from '@litestage/search';
import { compareEngines, questionOfRecord } from '@litestage/tasks';
import { collectTaskQuestions, writeFileAtomic } from '@litestage/tasks/node';
import type * as ort from 'onnxruntime-node';
import { measureBandwidth } from './perf/bandwidth.js';
import { type LlamaBenchRow, runLlamaBench } from './perf/llama-cpp.js';
import { cachedBundle, DEMO_CHECKPOINT, tinyLlamaCheckpoint } from './perf/models.js';
import { type KernelShare, profileDecode } from './perf/ort-profile.js';
import {
  type AccuracyComparison,
  compareQuantization,
  DEMO_REASONER_MODEL,
  INT4_SETTINGS,
  type QuantizationSetting,
  settingSlug,
  stories260kModel,
} from './perf/quantization-accuracy.js';
import { rawDecodeLoop } from './perf/raw-loop.js';
import {
  contextOf,
  decodeActions,
  interleaved,
  interleavedDecode,
  interleavedPrefill,
  type Spread,
} from './perf/timing.js';
import { arg, has } from './script-args.js';
import { TINYLLAMA_CONFIG } from './tinyllama-config.js';

const quick = has('--quick');
const out = resolve(arg('--out', fileURLToPath(new URL('../../../docs/results', import.meta.url))));
const cache = resolve(arg('--cache', join(homedir(), '.cache', 'litestage-bench')));
const started = performance.now();
const startLoad = loadavg()[0] ?? 0;
const log = (line: string) => {
  const s = ((performance.now() - started) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[${s} s] ${line}\n`);
};
await mkdir(cache, { recursive: true });
await mkdir(out, { recursive: true });

const steps = quick ? 20 : 200;
const bigSteps = quick ? 5 : 40;
const result: Record<string, unknown> = {};
const md: string[] = [];
const ms = (s: Spread) => `${s.median.toFixed(3)} (${s.min.toFixed(3)}-${s.max.toFixed(3)})`;

// The machine.
const machine: Record<string, string | number> = {
  cpu: cpus()[0]?.model?.trim() ?? 'unknown',
  cores: availableParallelism(),
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  platform: `${process.platform} ${process.arch}`,
  ...nodeRuntimeVersions(),
};
log('measuring memory bandwidth ...');
const bandwidth: Record<number, number> = {};
for (const threads of [1, 2]) {
  bandwidth[threads] = (await measureBandwidth(threads, { runs: quick ? 5 : 15 })).gbPerSecond;
}
result.machine = { ...machine, bandwidthGBps: bandwidth };
md.push(
  '# Performance',
  '',
  `Written by \`pnpm bench\` on ${new Date().toISOString()}: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, node ${machine.node}, onnxruntime-node ${machine['onnxruntime-node'] ?? '?'}. Every comparison is interleaved step by step in one run; times are medians with (min-max). The machine may be shared: compare rows of one table, not absolute times across runs.`,
  '',
  `Memory bandwidth as onnxruntime reads weights (a [1, 8192] x [8192, N] fp32 MatMul over 256 MiB, median run; a lower bound of the machine's, and what the bandwidth fractions below divide by): **${bandwidth[1]?.toFixed(1)} GB/s** on 1 thread, **${bandwidth[2]?.toFixed(1)} GB/s** on 2.`,
  '',
);

// The demo reasoner: graph flavours and threads.
const fused = await cachedBundle(
  cache,
  'demo-v2-fused',
  { input: DEMO_CHECKPOINT, graph: 'fused' },
  log,
);
const standard = await cachedBundle(
  cache,
  'demo-v2-standard',
  { input: DEMO_CHECKPOINT, graph: 'standard' },
  log,
);
log('demo reasoner: decode steps by graph and threads ...');
const demoRows: Record<string, Spread> = {};
for (const threads of [1, 2]) {
  const runtimes = [
    await openRuntime({ bundle: standard, task: 'synthetic', threads }),
    await openRuntime({ bundle: fused, task: 'synthetic', threads }),
  ];
  const [std, fus] = runtimes as [Runtime, Runtime];
  const spreads = await interleavedDecode(
    [
      {
        name: `standard, ${threads} thread${threads === 1 ? '' : 's'}`,
        session: std.session,
        request: { plain: false },
      },
      {
        name: `fused, ${threads} thread${threads === 1 ? '' : 's'}`,
        session: fus.session,
        request: { plain: false },
      },
      {
        name: `fused plain (no gates), ${threads} thread${threads === 1 ? '' : 's'}`,
        session: fus.session,
        request: { plain: true },
      },
      ...(threads === 1
        ? [
            {
              name: 'fused with cosine outputs (the search graph), 1 thread',
              session: fus.session,
              request: { plain: false, withCosines: true },
            },
          ]
        : []),
    ],
    { context: contextOf(64), steps },
  );
  Object.assign(demoRows, spreads);
  for (const r of runtimes) await r.dispose();
}
log('demo reasoner: questions at full depth ...');
const questionCount = quick ? 4 : 20;
const { records } = await collectTaskQuestions({
  task: 'synthetic',
  split: 'test',
  limit: questionCount,
});
const questions = records.map(questionOfRecord);
// Before: the standard graph, gated at full depth. Now: the fused bundle as the engine runs
// it by default (full depth on the plain graph, for a model this small).
const [stdRuntime, fusedRuntime] = [
  await openRuntime({ bundle: standard, task: 'synthetic', threads: 1, fullDepthGraph: 'gated' }),
  await openRuntime({ bundle: fused, task: 'synthetic', threads: 1 }),
];
const perQuestion = await compareEngines({
  methods: [
    { name: 'standard', engine: stdRuntime.createEngine(stdRuntime.fullDepthProfile()) },
    { name: 'fused', engine: fusedRuntime.createEngine(fusedRuntime.fullDepthProfile()) },
  ],
  questions,
});
const textsOf = (name: string) =>
  (perQuestion.methods[name]?.results ?? []).map((r) => r.stages.map((s) => s.text).join('\n'));
const differing = textsOf('fused').filter((t, i) => t !== textsOf('standard')[i]).length;
const stdStep = demoRows['standard, 1 thread'] as Spread;
const fusedStep = demoRows['fused, 1 thread'] as Spread;
const fusedPlain = demoRows['fused plain (no gates), 1 thread'] as Spread;
result.demo = {
  model: 'litestage-demo-reasoner-v2',
  context: 64,
  steps,
  decode: demoRows,
  perQuestion: {
    questions: questions.length,
    standardMs: perQuestion.methods.standard?.summary.meanMs,
    fusedMs: perQuestion.methods.fused?.summary.meanMs,
    textsDiffering: differing,
  },
  speedupFusedOverStandard: stdStep.median / fusedStep.median,
  speedupEngineFullDepthOverStandard: stdStep.median / fusedPlain.median,
};
md.push(
  '## Demo reasoner v2: graph flavours and threads',
  '',
  `Decode step at full depth after a 64-token context, ${steps} interleaved steps per row. \`standard\` is the standard-op graph, the engine's graph before the fused one, and \`fused\` the default of \`litestage convert\`, both gated (the graph LiteStage skips in) with nothing skipped. \`fused plain\` is the same bundle's graph without gates, which the engine now runs for steps that skip nothing on a model this small (\`fullDepthGraph\`, plain by default below ${PLAIN_AT_FULL_DEPTH_BELOW / 2 ** 20} MiB of weights per token). \`with cosine outputs\` is the search graph, which only the search's ranking step now runs: before, every decode step computed and fetched the cosines.`,
  '',
  '| graph | ms/token, median (min-max) | vs standard, 1 thread |',
  '| --- | ---: | ---: |',
  ...Object.entries(demoRows).map(
    ([name, s]) => `| ${name} | ${ms(s)} | ${(stdStep.median / s.median).toFixed(2)}x |`,
  ),
  '',
  `Full depth per question (${questions.length} held-out questions, interleaved, 1 thread): standard (gated) ${perQuestion.methods.standard?.summary.meanMs.toFixed(1)} ms, fused as the engine runs it ${perQuestion.methods.fused?.summary.meanMs.toFixed(1)} ms (${((perQuestion.methods.standard?.summary.meanMs ?? 0) / (perQuestion.methods.fused?.summary.meanMs ?? 1)).toFixed(2)}x); stage texts differing: ${differing} of ${questions.length}.`,
  '',
  `Target: the engine's full-depth step at least 2.5x faster than the standard graph's: **${(stdStep.median / fusedPlain.median).toFixed(2)}x** (fused plain; the fused gated graph: ${(stdStep.median / fusedStep.median).toFixed(2)}x)${stdStep.median / fusedPlain.median >= 2.5 ? '' : `, short of 2.5x by ${(100 * (1 - stdStep.median / fusedPlain.median / 2.5)).toFixed(0)}%: on this 16-layer d=128 model a step is mostly fixed cost per run and per kernel (embedding, LM head, 16 K/V caches fed and fetched), not arithmetic`}.`,
  '',
);

// The floor (onnxruntime alone) and the K/V caches kept in place.
log('demo reasoner: the engine against a minimal onnxruntime loop; K/V copied and in place ...');
const floorRows: Record<string, Spread> = {};
for (const length of [64, 512]) {
  const context = contextOf(length);
  const raw = await rawDecodeLoop(fused, { context, threads: 1 });
  const modes = [
    // The same (gated) graph as the bare loop.
    await openRuntime({
      bundle: fused,
      task: 'synthetic',
      threads: 1,
      kvCache: 'copy',
      fullDepthGraph: 'gated',
    }),
    await openRuntime({
      bundle: fused,
      task: 'synthetic',
      threads: 1,
      kvCache: 'in-place',
      fullDepthGraph: 'gated',
    }),
  ];
  const [copied, inPlace] = modes as [Runtime, Runtime];
  Object.assign(
    floorRows,
    await interleaved(
      [
        { name: `context ${length}: onnxruntime alone (copies K/V)`, run: raw.step },
        ...(await decodeActions(
          [
            { name: `context ${length}: engine, K/V copied`, session: copied.session },
            { name: `context ${length}: engine, K/V in place`, session: inPlace.session },
          ],
          context,
        )),
      ],
      { rounds: steps },
    ),
  );
  await raw.release();
  for (const r of modes) await r.dispose();
}
result.floor = floorRows;
md.push(
  '## The engine against onnxruntime alone, and K/V in place',
  '',
  `The fused bundle's gated graph at full depth, 1 thread, ${steps} interleaved steps per row. "onnxruntime alone" is a loop of nothing but \`session.run\` on the same graph, feeding the same past every step and fetching every output. The engine copies K/V below ${IN_PLACE_FROM} positions and keeps them in place from there on by default; both modes are forced here.`,
  '',
  '| case | ms/token, median (min-max) | vs onnxruntime alone |',
  '| --- | ---: | ---: |',
  ...Object.entries(floorRows).map(([name, s]) => {
    const floor = floorRows[`${name.split(':')[0]}: onnxruntime alone (copies K/V)`] as Spread;
    return `| ${name} | ${ms(s)} | ${(s.median / floor.median).toFixed(2)}x |`;
  }),
  '',
);

// transformers.js on the optimum export of the same checkpoint.
log('transformers.js vs the engine on the optimum export ...');
await cachedBundle(cache, 'demo-v2-optimum', { input: DEMO_CHECKPOINT, layout: 'optimum' }, log);
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = cache;
env.useFSCache = false;
const tokens = quick ? 16 : 64;
const prompt = fusedRuntime.format.stagePrompt(questions[0] as (typeof questions)[number], []);
const promptIds = fusedRuntime.tokenizer.encode(prompt, { addBos: true });
const hf = await AutoModelForCausalLM.from_pretrained('demo-v2-optimum', {
  device: 'cpu',
  session_options: { intraOpNumThreads: 1, interOpNumThreads: 1 },
});
const hfTimes: number[] = [];
const engineTimes: number[] = [];
const engineGenerate = async (session: ModelSession) => {
  const steps = generate(session, session.createSequence(), {
    inputIds: promptIds,
    sampler: new TokenSampler(),
    stoppingCriteria: new StoppingCriteriaList([new MaxNewTokensCriteria(tokens)]),
    streamer: new TextStreamer(fusedRuntime.tokenizer, { promptIds }),
  });
  for await (const _ of steps);
};
for (let run = 0; run < (quick ? 2 : 6); run++) {
  for (const which of run % 2 === 0 ? ['hf', 'engine'] : ['engine', 'hf']) {
    const start = performance.now();
    if (which === 'hf') {
      const dims = [1, promptIds.length];
      await hf.generate({
        input_ids: new Tensor('int64', BigInt64Array.from(promptIds, BigInt), dims),
        attention_mask: new Tensor('int64', new BigInt64Array(promptIds.length).fill(1n), dims),
        max_new_tokens: tokens,
        min_new_tokens: tokens,
        do_sample: false,
      });
      if (run > 0) hfTimes.push(performance.now() - start);
    } else {
      await engineGenerate(fusedRuntime.session);
      if (run > 0) engineTimes.push(performance.now() - start);
    }
  }
}
await hf.dispose();
const hfMs = median(hfTimes);
const engineMs = median(engineTimes);
result.transformersJs = {
  promptTokens: promptIds.length,
  newTokens: tokens,
  transformersJsMs: hfMs,
  engineMs,
  engineOverTransformersJs: hfMs / engineMs,
};
md.push(
  '## Against transformers.js',
  '',
  `The same checkpoint exported with \`litestage convert --layout optimum\` (fp32), loaded by \`@huggingface/transformers\` on onnxruntime-node CPU, 1 thread, against the engine's generation loop on the fused bundle at full depth (on the plain graph, the engine's default for a model this small): a ${promptIds.length}-token prompt and exactly ${tokens} greedy tokens, median of ${hfTimes.length} interleaved runs.`,
  '',
  '| runner | ms per run | ms per token | speedup |',
  '| --- | ---: | ---: | ---: |',
  `| transformers.js 4.3.1 | ${hfMs.toFixed(1)} | ${(hfMs / tokens).toFixed(3)} | 1.00x |`,
  `| LiteStage engine | ${engineMs.toFixed(1)} | ${(engineMs / tokens).toFixed(3)} | ${(hfMs / engineMs).toFixed(2)}x |`,
  '',
  `Target: the engine at full depth at least as fast as transformers.js: **${(hfMs / engineMs).toFixed(2)}x**${hfMs >= engineMs ? '' : `, missed by ${(100 * (1 - hfMs / engineMs)).toFixed(0)}%`}. Both run the plain fused graph; on the gated graph (\`fullDepthGraph: 'gated'\`) the \`If\` gates would add ${(100 * (fusedStep.median / fusedPlain.median - 1)).toFixed(0)}% per step on this model (see the gating overhead below).`,
  '',
);
await stdRuntime.dispose();
await fusedRuntime.dispose();

// A TinyLlama-shaped model: int4 settings, gating, skip efficiency, prefill, bandwidth.
const checkpoint = await tinyLlamaCheckpoint(cache, log);
const tinyBundle = (slug: string, options: Partial<ConvertOptions>) =>
  cachedBundle(cache, `tinyllama-shaped-${slug}`, { input: checkpoint, ...options }, log);
const int4Bundles: { setting: QuantizationSetting; bundle: string }[] = [];
for (const setting of INT4_SETTINGS) {
  int4Bundles.push({
    setting,
    bundle: await tinyBundle(`int4-${settingSlug(setting)}`, setting.options),
  });
}
const defaultInt4 = int4Bundles.find((b) => b.setting.name.endsWith('(the default)'));
if (!defaultInt4) throw new Error('INT4_SETTINGS has no default');
const int4 = defaultInt4.bundle;
const bytes = decodeWeightBytes((await openBundle(int4)).manifest);
const L = TINYLLAMA_CONFIG.numLayers;
const maskOf = (fraction: number): SkipMask => {
  // Evenly spaced layers, attention and feed-forward alike.
  const count = Math.round(fraction * L);
  const chosen = new Set(
    Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * L) / count)),
  );
  const flags = Array.from({ length: L }, (_, j) => chosen.has(j));
  return { attn: flags, ffn: [...flags] };
};
log('TinyLlama-shaped int4: gating, skip efficiency, threads ...');
const tiny: Record<string, unknown> = {};
const tinyDecode: Record<number, Record<string, Spread>> = {};
for (const threads of [1, 2]) {
  const runtime = await openRuntime({ bundle: int4, threads });
  const cases = [
    { name: 'plain', session: runtime.session, request: { plain: true } },
    ...[0, 0.25, 0.5, 0.75].map((f) => ({
      name: `gated, ${100 * f}% skipped`,
      session: runtime.session,
      request: { skip: maskOf(f), plain: false },
    })),
  ];
  tinyDecode[threads] = await interleavedDecode(threads === 1 ? cases : cases.slice(0, 2), {
    context: contextOf(64),
    steps: bigSteps,
    warmup: 2,
  });
  await runtime.dispose();
}
const one = tinyDecode[1] as Record<string, Spread>;
const full = (one['gated, 0% skipped'] as Spread).median;
const efficiency = [0.25, 0.5, 0.75].map((f) => {
  const mask = maskOf(f);
  const skippedBytes =
    mask.attn.filter(Boolean).length * bytes.attention +
    mask.ffn.filter(Boolean).length * bytes.feedForward;
  const ideal = full * (1 - skippedBytes / bytes.total);
  const measured = (one[`gated, ${100 * f}% skipped`] as Spread).median;
  return {
    fraction: f,
    measuredMs: measured,
    idealMs: ideal,
    efficiency: (full - measured) / (full - ideal),
  };
});
log('TinyLlama-shaped int4: prefill ...');
const prefillRuntime = await openRuntime({ bundle: int4, threads: 1 });
const prefill: Record<string, Spread> = {};
for (const length of [128, 512]) {
  Object.assign(
    prefill,
    Object.fromEntries(
      Object.entries(
        await interleavedPrefill(
          [
            {
              name: `${length} tokens, full`,
              session: prefillRuntime.session,
              request: { plain: false },
            },
            {
              name: `${length} tokens, 50% skipped`,
              session: prefillRuntime.session,
              request: { skip: maskOf(0.5), plain: false },
            },
          ],
          { tokens: contextOf(length), runs: quick ? 1 : 3 },
        ),
      ),
    ),
  );
}
await prefillRuntime.dispose();

// Int4 settings side by side: each change of the int4 path on its own, speed and accuracy.
log('TinyLlama-shaped int4 settings, 1 and 2 threads ...');
const settingDecode: Record<number, Record<string, Spread>> = {};
for (const threads of [1, 2]) {
  const runtimes = [];
  for (const { bundle } of int4Bundles) runtimes.push(await openRuntime({ bundle, threads }));
  settingDecode[threads] = await interleavedDecode(
    runtimes.map((runtime, i) => ({
      name: int4Bundles[i]?.setting.name as string,
      session: runtime.session,
      request: { plain: false },
    })),
    { context: contextOf(64), steps: quick ? 5 : 20, warmup: 2 },
  );
  for (const runtime of runtimes) await runtime.dispose();
}
log('int4 settings: accuracy on stories260K and the demo reasoner ...');
const settingAccuracy: Record<string, AccuracyComparison[]> = {};
for (const model of [stories260kModel(), DEMO_REASONER_MODEL]) {
  settingAccuracy[model.name] = await compareQuantization(
    model,
    INT4_SETTINGS,
    join(cache, 'int4-accuracy'),
    log,
  );
}
log("onnxruntime's profiler on the default int4 step ...");
const profiles: Record<number, Awaited<ReturnType<typeof profileDecode>>> = {};
for (const threads of [1, 2]) {
  profiles[threads] = await profileDecode(int4, {
    context: contextOf(64),
    threads,
    steps: quick ? 3 : 10,
  });
}

// Session options on the default int4 step, each against the engine's own (optimization
// 'all', the CPU arena, no spinning threads), on a bare loop of the gated graph.
log('session options on the default int4 step ...');
const noSpin = { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } };
const optionCases: {
  name: string;
  threads: number;
  options: ort.InferenceSession.SessionOptions;
}[] = [
  { name: "1 thread: the engine's options", threads: 1, options: { extra: { session: noSpin } } },
  {
    name: '1 thread: optimization level extended',
    threads: 1,
    options: { graphOptimizationLevel: 'extended', extra: { session: noSpin } },
  },
  {
    name: '1 thread: no CPU memory arena',
    threads: 1,
    options: { enableCpuMemArena: false, extra: { session: noSpin } },
  },
  {
    name: "2 threads: the engine's options (no spinning)",
    threads: 2,
    options: { extra: { session: noSpin } },
  },
  { name: '2 threads: spinning threads', threads: 2, options: {} },
];
const optionLoops: Awaited<ReturnType<typeof rawDecodeLoop>>[] = [];
for (const c of optionCases) {
  optionLoops.push(
    await rawDecodeLoop(int4, {
      context: contextOf(64),
      threads: c.threads,
      sessionOptions: c.options,
    }),
  );
}
const sessionOptionRows = await interleaved(
  optionCases.map((c, i) => ({
    name: c.name,
    run: (optionLoops[i] as Awaited<ReturnType<typeof rawDecodeLoop>>).step,
  })),
  { rounds: quick ? 3 : 15, warmup: 2 },
);
for (const loop of optionLoops) await loop.release();

// Our other weight formats on the same shape, for the table against llama.cpp: int8 and fp32.
const fp32Fits = totalmem() >= 12 * 2 ** 30;
const otherFormats: { name: string; bundle: string }[] = [
  {
    name: 'int8 (DequantizeLinear, folded to fp32 at load)',
    bundle: await tinyBundle('int8', { quantization: 'int8' }),
  },
  ...(fp32Fits ? [{ name: 'fp32', bundle: await tinyBundle('fp32', {}) }] : []),
];
const formatRows: Record<
  string,
  { decode: Record<number, Spread>; prefill: Record<number, Spread>; plain?: Spread; bytes: number }
> = {};
for (const [name, bundle] of [
  ['int4 (the default)', int4] as const,
  ...otherFormats.map((f) => [f.name, f.bundle] as const),
]) {
  log(`TinyLlama-shaped ${name}: decode and a 128-token prompt on 1 and 2 threads ...`);
  const decode: Record<number, Spread> = {};
  const prompt: Record<number, Spread> = {};
  let plainStep: Spread | undefined;
  for (const threads of [1, 2]) {
    const runtime = await openRuntime({ bundle, threads });
    const big = name !== 'int4 (the default)';
    const rows = await interleavedDecode(
      [
        { name: 'gated', session: runtime.session, request: { plain: false } },
        ...(threads === 1
          ? [{ name: 'plain', session: runtime.session, request: { plain: true } }]
          : []),
      ],
      { context: contextOf(64), steps: quick ? 3 : big ? 10 : 20, warmup: 1 },
    );
    decode[threads] = rows.gated as Spread;
    if (threads === 1) plainStep = rows.plain;
    prompt[threads] = (
      await interleavedPrefill(
        [{ name: 'prompt', session: runtime.session, request: { plain: false } }],
        {
          tokens: contextOf(128),
          runs: quick ? 1 : 3,
        },
      )
    ).prompt as Spread;
    await runtime.dispose();
  }
  formatRows[name] = {
    decode,
    prefill: prompt,
    ...(plainStep ? { plain: plainStep } : {}),
    bytes: decodeWeightBytes((await openBundle(bundle)).manifest).total,
  };
}

const llamaBin = has('--llama-bench') ? arg('--llama-bench') : null;
const ggufs = has('--gguf') ? arg('--gguf').split(',') : [];
let llama: LlamaBenchRow[] = [];
if (llamaBin && ggufs.length > 0) {
  log('llama.cpp on GGUF files of the same shape ...');
  llama = runLlamaBench(llamaBin, ggufs);
  result.llamaCpp = llama;
}
const fp32Row = formatRows.fp32;
const gatingOverhead = {
  demo: fusedStep.median / fusedPlain.median - 1,
  tinyLlamaInt4: full / (one.plain as Spread).median - 1,
  ...(fp32Row?.plain
    ? { tinyLlamaFp32: (fp32Row.decode[1] as Spread).median / fp32Row.plain.median - 1 }
    : {}),
};
result.int4Settings = {
  decode: settingDecode,
  accuracy: Object.fromEntries(
    Object.entries(settingAccuracy).map(([model, rows]) => [
      model,
      rows.map(({ greedy, ...rest }) => rest),
    ]),
  ),
};
result.int4Profile = profiles;
result.int4SessionOptions = sessionOptionRows;
result.formats = formatRows;
tiny.decode = tinyDecode;
tiny.weightBytesPerToken = bytes.total;
tiny.skipEfficiency = efficiency;
tiny.prefill = prefill;
result.tinyLlamaInt4 = tiny;
result.gatingOverhead = gatingOverhead;
const tokS = (s: Spread) => (1000 / s.median).toFixed(1);
const fractionOfBandwidth = (s: Spread, threads: number) =>
  (bytes.total / (s.median / 1000) / 1e9 / (bandwidth[threads] as number)) * 100;
md.push(
  '## Gating overhead',
  '',
  `The gated graph with nothing skipped against the plain graph (no \`If\` gates) of the same bundle, 1 thread, interleaved. Target: at most 3%. What a user pays at full depth is less: the engine runs steps that skip nothing on the plain graph for models up to ${PLAIN_AT_FULL_DEPTH_BELOW / 2 ** 20} MiB of weights per token (the demo reasoner), so the gates cost only in steps that skip.`,
  '',
  '| model | plain ms/token | gated ms/token | overhead |',
  '| --- | ---: | ---: | ---: |',
  `| demo reasoner v2 (16 layers, d=128, fp32) | ${ms(fusedPlain)} | ${ms(fusedStep)} | ${(100 * gatingOverhead.demo).toFixed(1)}% |`,
  `| TinyLlama-shaped (22 layers, d=2048, int4) | ${ms(one.plain as Spread)} | ${ms(one['gated, 0% skipped'] as Spread)} | ${(100 * gatingOverhead.tinyLlamaInt4).toFixed(1)}% |`,
  ...(fp32Row?.plain
    ? [
        `| TinyLlama-shaped (22 layers, d=2048, fp32) | ${ms(fp32Row.plain)} | ${ms(fp32Row.decode[1] as Spread)} | ${(100 * (gatingOverhead.tinyLlamaFp32 ?? 0)).toFixed(1)}% |`,
      ]
    : [
        '',
        `(No fp32 TinyLlama-shaped row: it needs 12 GiB of memory, this machine has ${machine.memoryGiB}.)`,
      ]),
  '',
  '## TinyLlama-shaped int4 decode',
  '',
  `Random deterministic weights with TinyLlama-1.1B's shape (22 layers, d=2048, FFN 5632, 32/4 heads, vocab 32000), \`litestage convert --quant int4\` with its defaults (MatMulNBits in blocks of 32 at accuracy level 4, an 8-bit LM head): ${(bytes.total / 1e6).toFixed(0)} MB of weights read per token (4-bit weights plus an fp32 scale per 32, and the ${(bytes.lmHead / 1e6).toFixed(0)} MB LM head). Context 64, ${bigSteps} interleaved steps.`,
  '',
  '| threads | graph | ms/token | tokens/s | weight bytes/s as % of measured bandwidth |',
  '| ---: | --- | ---: | ---: | ---: |',
  ...Object.entries(tinyDecode).flatMap(([threads, rows]) =>
    Object.entries(rows)
      .filter(([name]) => name === 'plain' || name === 'gated, 0% skipped')
      .map(
        ([name, s]) =>
          `| ${threads} | ${name === 'plain' ? 'plain' : 'gated'} | ${ms(s)} | ${tokS(s)} | ${fractionOfBandwidth(s, Number(threads)).toFixed(0)}% |`,
      ),
  ),
  '',
  '## Skip efficiency',
  '',
  'TinyLlama-shaped int4, 1 thread: the same fraction of attention and feed-forward sub-layers skipped in evenly spaced layers. Ideal: the full step scaled by the weight bytes left to read. Efficiency: time saved over ideal time saved. Target: at least 0.9.',
  '',
  '| skipped | ms/token | ideal ms/token | efficiency |',
  '| ---: | ---: | ---: | ---: |',
  `| 0% | ${full.toFixed(2)} | | |`,
  ...efficiency.map(
    (e) =>
      `| ${100 * e.fraction}% | ${e.measuredMs.toFixed(2)} | ${e.idealMs.toFixed(2)} | ${e.efficiency.toFixed(2)} |`,
  ),
  '',
  '## Prefill',
  '',
  'TinyLlama-shaped int4, 1 thread, one prompt per run on a fresh sequence.',
  '',
  '| prompt | ms | tokens/s |',
  '| --- | ---: | ---: |',
  ...Object.entries(prefill).map(([name, s]) => {
    const n = Number(name.split(' ')[0]);
    return `| ${name} | ${ms(s)} | ${((1000 * n) / s.median).toFixed(0)} |`;
  }),
  '',
  ...int4SettingsSection(),
  ...profileSection(),
  '## Session options',
  '',
  `The default int4 bundle's gated graph at full depth, context 64, on a bare \`session.run\` loop, each row a session of its own, interleaved (${quick ? 3 : 15} rounds). The engine's options: optimization level \`all\`, the CPU memory arena, intra-op threads that do not spin.`,
  '',
  '| session | ms/token | vs the engine options |',
  '| --- | ---: | ---: |',
  ...Object.entries(sessionOptionRows).map(([name, s]) => {
    const base = sessionOptionRows[
      name.startsWith('1')
        ? "1 thread: the engine's options"
        : "2 threads: the engine's options (no spinning)"
    ] as Spread;
    return `| ${name} | ${ms(s)} | ${(base.median / s.median).toFixed(2)}x |`;
  }),
  '',
  ...llamaSection(),
  `Total: ${((performance.now() - started) / 60000).toFixed(1)} minutes${quick ? ' (--quick: fewer steps, not for the record)' : ''}. Load average (1 min) ${startLoad.toFixed(2)} at the start and ${loadavg()[0]?.toFixed(2)} at the end, on ${machine.cores} cores: above about 1, another process shared the CPUs and the 2-thread rows say little.`,
  '',
);
result.totalMinutes = (performance.now() - started) / 60000;
await writeFileAtomic(join(out, 'performance.json'), `${JSON.stringify(result, null, 2)}\n`);
await writeFileAtomic(join(out, 'performance.md'), md.join('\n'));
log(`wrote ${join(out, 'performance.md')} and performance.json`);

/** One int4 setting's decode step at a thread count, as timed above. */
function settingStep(threads: number, name: string): Spread {
  const s = settingDecode[threads]?.[name];
  if (!s) throw new Error(`no decode timing for ${name} on ${threads} threads`);
  return s;
}

/** Each int4 setting's decode speed beside what it costs in accuracy. */
function int4SettingsSection(): string[] {
  const earlier = INT4_SETTINGS[0]?.name as string;
  const speed = (threads: number, name: string) => {
    const s = settingStep(threads, name);
    const base = settingStep(threads, earlier);
    return `${s.median.toFixed(1)} | ${(1000 / s.median).toFixed(1)} | ${(base.median / s.median).toFixed(2)}x`;
  };
  const accuracy = (model: string, name: string) => {
    const c = settingAccuracy[model]?.find((r) => r.setting === name);
    return c
      ? `${c.meanKl.toPrecision(3)}, ${(100 * c.top1Agreement).toFixed(1)}%, ${c.greedySameAsFp32}`
      : '';
  };
  const steps = (model: string) => (model === 'stories260K' ? 200 : 120);
  return [
    '## Int4 settings',
    '',
    `Each change of the int4 path on its own, TinyLlama-shaped (as above), gated graph at full depth, context 64, all settings interleaved step by step (${quick ? 5 : 20} steps). Accuracy: each setting's bundle of stories260K (a committed fixture) and of the demo reasoner v2 against the fp32 bundle, on the fp32 greedy continuation fed at once (teacher forcing): mean KL(fp32 || setting) in nats, top-1 agreement, and how many greedy tokens (of ${steps('stories260K')} and ${steps('demo reasoner v2')}) equal fp32's before the first difference. \`pnpm --filter @litestage/bench int4-accuracy\` prints the same comparison; a test holds the default to the earlier default's accuracy.`,
    '',
    '| setting | 1 thread: ms/token | tok/s | vs earlier | 2 threads: ms/token | tok/s | vs earlier | stories260K: KL, top-1, greedy | demo reasoner: KL, top-1, greedy |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...INT4_SETTINGS.map(
      ({ name }) =>
        `| ${name} | ${speed(1, name)} | ${speed(2, name)} | ${accuracy('stories260K', name)} | ${accuracy('demo reasoner v2', name)} |`,
    ),
    '',
    'Accuracy level 4 (int8 activations, which onnxruntime runs with int8 dot products) and the 8-bit LM head cost no accuracy measured here, and are the defaults. An int4 head is faster still but visibly less exact (top-1 agreement and greedy text fall on both models); larger blocks are faster and less exact, so the default stays 32 and `--block-size` offers the rest.',
    '',
  ];
}

/** What a TinyLlama-shaped projection is, from its input and output widths. */
function kernelName(k: KernelShare): string {
  if (k.op !== 'MatMulNBits' && k.op !== 'MatMul' && k.op !== 'Gemm') return k.op;
  const { hiddenSize: d, intermediateSize: ffn, vocabSize, numKvHeads, headDim } = TINYLLAMA_CONFIG;
  const names: Record<string, string> = {
    [`${d}x${d + 2 * numKvHeads * headDim}`]: 'QKV projection',
    [`${d}x${d}`]: 'O projection',
    [`${d}x${2 * ffn}`]: 'gate/up projection',
    [`${ffn}x${d}`]: 'down projection',
    [`${d}x${vocabSize}`]: 'LM head',
  };
  return `${k.op}, ${names[`${k.inputs}x${k.width}`] ?? `${k.inputs} -> ${k.width}`}`;
}

/** onnxruntime's profiler on the default int4 step: which kernels the time goes to. */
function profileSection(): string[] {
  const one = profiles[1];
  const two = profiles[2];
  if (!one || !two) return [];
  const rows = one.kernels.slice(0, 12);
  const twoMs = (k: KernelShare) =>
    two.kernels.find((o) => o.op === k.op && o.width === k.width && o.inputs === k.inputs)?.ms ?? 0;
  const matmul = (p: typeof one) =>
    p.kernels.filter((k) => k.op === 'MatMulNBits').reduce((sum, k) => sum + k.ms, 0);
  const layerBytes = bytes.total - bytes.lmHead;
  const layerMs = (p: typeof one) =>
    p.kernels
      .filter((k) => k.op === 'MatMulNBits' && k.width !== TINYLLAMA_CONFIG.vocabSize)
      .reduce((sum, k) => sum + k.ms, 0);
  const gbps = (p: typeof one) => layerBytes / (layerMs(p) / 1000) / 1e9;
  return [
    "## Where an int4 step's time goes",
    '',
    `onnxruntime's profiler (\`enableProfiling\`) on the default int4 bundle's gated graph at full depth, driven by a bare \`session.run\` loop (spinning threads allowed), context 64, the median of ${quick ? 3 : 10} steps per kernel kind. A profiled step took ${one.stepMs.toFixed(1)} ms on 1 thread and ${two.stepMs.toFixed(1)} ms on 2; the kernels' times add up to ${one.kernels.reduce((a, k) => a + k.ms, 0).toFixed(1)} and ${two.kernels.reduce((a, k) => a + k.ms, 0).toFixed(1)} ms (the rest: the \`If\` gates themselves, feeding and fetching).`,
    '',
    '| kernel | per step | 1 thread: ms | share | 2 threads: ms | share |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (k) =>
        `| ${kernelName(k)} | ${k.count} | ${k.ms.toFixed(2)} | ${((100 * k.ms) / one.stepMs).toFixed(0)}% | ${twoMs(k).toFixed(2)} | ${((100 * twoMs(k)) / two.stepMs).toFixed(0)}% |`,
    ),
    '',
    `\`MatMulNBits\` is ${((100 * matmul(one)) / one.stepMs).toFixed(0)}% of a step on 1 thread and ${((100 * matmul(two)) / two.stepMs).toFixed(0)}% on 2. The layers' 4-bit products read their ${(layerBytes / 1e6).toFixed(0)} MB at ${gbps(one).toFixed(1)} GB/s on 1 thread and ${gbps(two).toFixed(1)} GB/s on 2, against the ${bandwidth[1]?.toFixed(1)} / ${bandwidth[2]?.toFixed(1)} GB/s an fp32 MatMul reads weights at (above): with int8 activations the kernel is bound by its per-block work (unpacking 4-bit values, a scale per block of 32), not by memory, which is also why blocks of 128 run faster (the settings above).`,
    '',
  ];
}

/** Our weight formats next to llama.cpp's, when `--llama-bench` and `--gguf` were given. */
function llamaSection(): string[] {
  if (llama.length === 0) return [];
  const share = (bytesPerToken: number, tokensPerSecond: number, threads: number) =>
    `${((100 * bytesPerToken * tokensPerSecond) / 1e9 / (bandwidth[threads] as number)).toFixed(0)}%`;
  const lines = [
    '## Against llama.cpp',
    '',
    `llama.cpp's \`llama-bench\` (commit ${has('--llama-commit') ? arg('--llama-commit') : llama[0]?.commit}, built by hand outside the repository: \`cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF\`, \`cmake --build build --target llama-bench llama-quantize\`) on GGUF files of the same shape (TinyLlama-1.1B's, random F16 weights written with llama.cpp's gguf-py, quantized with \`llama-quantize\`), \`-p 128 -n 64 -t 1,2 -r 3\`, run in this same \`pnpm bench\` right after our rows. Ours: the engine on the gated graph at full depth (decode after a 64-token context; a 128-token prompt on a fresh sequence). Bandwidth share: weight bytes per token (the GGUF file's size for llama.cpp) times tokens/s over the MatMul bandwidth measured above (llama.cpp reads weights faster than that MatMul, so the measure is a lower bound of the machine's).`,
    '',
    '| runner | weights | threads | decode tokens/s | % of bandwidth | prompt 128, tokens/s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const [name, row] of Object.entries(formatRows)) {
    for (const threads of [1, 2]) {
      const decode = 1000 / (row.decode[threads] as Spread).median;
      const prompt = (1000 * 128) / (row.prefill[threads] as Spread).median;
      lines.push(
        `| LiteStage engine | ${name} | ${threads} | ${decode.toFixed(1)} | ${share(row.bytes, decode, threads)} | ${prompt.toFixed(0)} |`,
      );
    }
  }
  for (const model of [...new Set(llama.map((r) => r.model))]) {
    for (const threads of [1, 2]) {
      const decode = llama.find(
        (r) => r.model === model && r.threads === threads && r.test === 'decode 64',
      );
      const prompt = llama.find(
        (r) => r.model === model && r.threads === threads && r.test === 'prompt 128',
      );
      if (!decode) continue;
      lines.push(
        `| llama.cpp | ${decode.type} | ${threads} | ${decode.tokensPerSecond.toFixed(1)} | ${share(decode.bytes, decode.tokensPerSecond, threads)} | ${prompt ? prompt.tokensPerSecond.toFixed(0) : ''} |`,
      );
    }
  }
  const q4 = (threads: number, test: LlamaBenchRow['test']) =>
    llama.find((r) => /Q4_0/i.test(r.type) && r.threads === threads && r.test === test);
  const ours = formatRows['int4 (the default)'];
  if (ours && q4(1, 'decode 64') && q4(2, 'decode 64')) {
    const ratio = (threads: number) =>
      1000 /
      (ours.decode[threads] as Spread).median /
      (q4(threads, 'decode 64')?.tokensPerSecond ?? 1);
    const promptRatio = (threads: number) =>
      (1000 * 128) /
      (ours.prefill[threads] as Spread).median /
      (q4(threads, 'prompt 128')?.tokensPerSecond ?? 1);
    const wide = INT4_SETTINGS.find((x) => x.name.includes('block 128'))?.name as string;
    const wideRatio = (threads: number) =>
      1000 / settingStep(threads, wide).median / (q4(threads, 'decode 64')?.tokensPerSecond ?? 1);
    lines.push(
      '',
      `Target, our int4 decode at least 1.0x llama.cpp Q4_0: **${ratio(1).toFixed(2)}x** on 1 thread and **${ratio(2).toFixed(2)}x** on 2, missed by ${(100 * (1 - ratio(1))).toFixed(0)}% and ${(100 * (1 - ratio(2))).toFixed(0)}%. With \`--block-size 128\` (less exact, see the settings above): ${wideRatio(1).toFixed(2)}x and ${wideRatio(2).toFixed(2)}x. What holds it back is onnxruntime's \`MatMulNBits\` kernel (the profile above): the 4-bit products are most of a step and read weights at a fraction of the rate llama.cpp's Q4_0 reads them. A 128-token prompt: ${promptRatio(1).toFixed(2)}x llama.cpp's on 1 thread, ${promptRatio(2).toFixed(2)}x on 2.`,
    );
  }
  lines.push('');
  return lines;
}
