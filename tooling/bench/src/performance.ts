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
import { openBundle } from '@litestage/model/node';
import { IN_PLACE_FROM } from '@litestage/ort-session';
import { openRuntime, type Runtime } from '@litestage/runtime';
import { MaxNewTokensCriteria, StoppingCriteriaList, TokenSampler } from '@litestage/sampler';
import { median } from '@litestage/search';
import { compareEngines, questionOfRecord } from '@litestage/tasks';
import { collectTaskQuestions, writeFileAtomic } from '@litestage/tasks/node';
import { measureBandwidth } from './perf/bandwidth.js';
import { type LlamaBenchRow, runLlamaBench } from './perf/llama-cpp.js';
import { cachedBundle, DEMO_CHECKPOINT, tinyLlamaCheckpoint } from './perf/models.js';
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
      { name: `standard, ${threads} thread${threads === 1 ? '' : 's'}`, session: std.session },
      { name: `fused, ${threads} thread${threads === 1 ? '' : 's'}`, session: fus.session },
      {
        name: `fused plain (no gates), ${threads} thread${threads === 1 ? '' : 's'}`,
        session: fus.session,
        request: { plain: true },
      },
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
const [stdRuntime, fusedRuntime] = [
  await openRuntime({ bundle: standard, task: 'synthetic', threads: 1 }),
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
};
md.push(
  '## Demo reasoner v2: graph flavours and threads',
  '',
  `Decode step at full depth after a 64-token context, ${steps} interleaved steps per row. \`standard\` is the standard-op graph, the engine's graph before the fused one; \`fused\` the default of \`litestage convert\`.`,
  '',
  '| graph | ms/token, median (min-max) | vs standard, 1 thread |',
  '| --- | ---: | ---: |',
  ...Object.entries(demoRows).map(
    ([name, s]) => `| ${name} | ${ms(s)} | ${(stdStep.median / s.median).toFixed(2)}x |`,
  ),
  '',
  `Full depth per question (${questions.length} held-out questions, interleaved, 1 thread): standard ${perQuestion.methods.standard?.summary.meanMs.toFixed(1)} ms, fused ${perQuestion.methods.fused?.summary.meanMs.toFixed(1)} ms (${((perQuestion.methods.standard?.summary.meanMs ?? 0) / (perQuestion.methods.fused?.summary.meanMs ?? 1)).toFixed(2)}x); stage texts differing: ${differing} of ${questions.length}.`,
  '',
  `Target: fused at least 2.5x faster per token than the standard graph: **${(stdStep.median / fusedStep.median).toFixed(2)}x**${stdStep.median / fusedStep.median >= 2.5 ? '' : `, short of 2.5x: on this 16-layer d=128 model a step is mostly fixed cost per run and per kernel (embedding, LM head, 16 K/V caches fed and fetched, the gates), not arithmetic`}.`,
  '',
);

// The floor (onnxruntime alone) and the K/V caches kept in place.
log('demo reasoner: the engine against a minimal onnxruntime loop; K/V copied and in place ...');
const floorRows: Record<string, Spread> = {};
for (const length of [64, 512]) {
  const context = contextOf(length);
  const raw = await rawDecodeLoop(fused, { context, threads: 1 });
  const modes = [
    await openRuntime({ bundle: fused, task: 'synthetic', threads: 1, kvCache: 'copy' }),
    await openRuntime({ bundle: fused, task: 'synthetic', threads: 1, kvCache: 'in-place' }),
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
  `The same checkpoint exported with \`litestage convert --layout optimum\` (fp32), loaded by \`@huggingface/transformers\` on onnxruntime-node CPU, 1 thread, against the engine's generation loop on the fused bundle (gated graph at full depth): a ${promptIds.length}-token prompt and exactly ${tokens} greedy tokens, median of ${hfTimes.length} interleaved runs.`,
  '',
  '| runner | ms per run | ms per token | speedup |',
  '| --- | ---: | ---: | ---: |',
  `| transformers.js 4.3.1 | ${hfMs.toFixed(1)} | ${(hfMs / tokens).toFixed(3)} | 1.00x |`,
  `| LiteStage engine | ${engineMs.toFixed(1)} | ${(engineMs / tokens).toFixed(3)} | ${(hfMs / engineMs).toFixed(2)}x |`,
  '',
  `Target: the engine at full depth at least as fast as transformers.js: **${(hfMs / engineMs).toFixed(2)}x**${hfMs >= engineMs ? '' : `, missed by ${(100 * (1 - hfMs / engineMs)).toFixed(0)}%`}. The export is the plain fused graph; the engine runs the gated one (the graph LiteStage skips in) with nothing skipped, whose \`If\` gates cost ${(100 * (fusedStep.median / fusedPlain.median - 1)).toFixed(0)}% per step on this model (see the gating overhead below).`,
  '',
);
await stdRuntime.dispose();
await fusedRuntime.dispose();

// A TinyLlama-shaped model: int4, gating, skip efficiency, prefill, bandwidth.
const checkpoint = await tinyLlamaCheckpoint(cache, log);
const int4 = await cachedBundle(
  cache,
  'tinyllama-shaped-int4',
  { input: checkpoint, quantization: 'int4' },
  log,
);
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
      request: { skip: maskOf(f) },
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
            { name: `${length} tokens, full`, session: prefillRuntime.session },
            {
              name: `${length} tokens, 50% skipped`,
              session: prefillRuntime.session,
              request: { skip: maskOf(0.5) },
            },
          ],
          { tokens: contextOf(length), runs: quick ? 1 : 3 },
        ),
      ),
    ),
  );
}
await prefillRuntime.dispose();
const llamaBin = has('--llama-bench') ? arg('--llama-bench') : null;
const ggufs = has('--gguf') ? arg('--gguf').split(',') : [];
let llama: LlamaBenchRow[] = [];
if (llamaBin && ggufs.length > 0) {
  log('llama.cpp on GGUF files of the same shape ...');
  llama = runLlamaBench(llamaBin, ggufs);
  result.llamaCpp = llama;
}
const gatingOverhead = {
  demo: fusedStep.median / fusedPlain.median - 1,
  tinyLlamaInt4: full / (one.plain as Spread).median - 1,
};
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
  'The gated graph with nothing skipped against the plain graph (no `If` gates) of the same bundle, 1 thread, interleaved. Target: at most 3%.',
  '',
  '| model | plain ms/token | gated ms/token | overhead |',
  '| --- | ---: | ---: | ---: |',
  `| demo reasoner v2 (16 layers, d=128, fp32) | ${ms(fusedPlain)} | ${ms(fusedStep)} | ${(100 * gatingOverhead.demo).toFixed(1)}% |`,
  `| TinyLlama-shaped (22 layers, d=2048, int4) | ${ms(one.plain as Spread)} | ${ms(one['gated, 0% skipped'] as Spread)} | ${(100 * gatingOverhead.tinyLlamaInt4).toFixed(1)}% |`,
  '',
  '## TinyLlama-shaped int4 decode',
  '',
  `Random deterministic weights with TinyLlama-1.1B's shape (22 layers, d=2048, FFN 5632, 32/4 heads, vocab 32000), \`litestage convert --quant int4\` (MatMulNBits, block 32, fp32 LM head): ${(bytes.total / 1e6).toFixed(0)} MB of weights read per token (4-bit weights plus an fp32 scale per 32, and the ${(bytes.lmHead / 1e6).toFixed(0)} MB LM head). Context 64, ${bigSteps} interleaved steps.`,
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
  ...llamaSection(),
  `Total: ${((performance.now() - started) / 60000).toFixed(1)} minutes${quick ? ' (--quick: fewer steps, not for the record)' : ''}. Load average (1 min) ${startLoad.toFixed(2)} at the start and ${loadavg()[0]?.toFixed(2)} at the end, on ${machine.cores} cores: above about 1, another process shared the CPUs and the 2-thread rows say little.`,
  '',
);
result.totalMinutes = (performance.now() - started) / 60000;
await writeFileAtomic(join(out, 'performance.json'), `${JSON.stringify(result, null, 2)}\n`);
await writeFileAtomic(join(out, 'performance.md'), md.join('\n'));
log(`wrote ${join(out, 'performance.md')} and performance.json`);

/** llama.cpp next to our int4 bundle, when `--llama-bench` and `--gguf` were given. */
function llamaSection(): string[] {
  if (llama.length === 0) return [];
  const ours = (threads: number) => tinyDecode[threads]?.['gated, 0% skipped'] as Spread;
  const ourPrefill = prefill['128 tokens, full'] as Spread;
  const lines = [
    '## Against llama.cpp',
    '',
    `llama.cpp's \`llama-bench\` (commit ${has('--llama-commit') ? arg('--llama-commit') : llama[0]?.commit}, built by hand outside the repository: \`cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF\`, \`cmake --build build --target llama-bench llama-quantize\`) on GGUF files of the same shape (TinyLlama-1.1B's, random F16 weights written with llama.cpp's gguf-py, quantized with \`llama-quantize\`), \`-p 128 -n 64 -t 1,2 -r 3\`, run in this same \`pnpm bench\` right after our rows. Bandwidth share: the GGUF file's bytes per token over the MatMul bandwidth measured above (llama.cpp reads weights faster than that MatMul, so the measure is a lower bound of the machine's).`,
    '',
    '| runner | weights | threads | decode tokens/s | % of bandwidth | prompt 128, tokens/s |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const threads of [1, 2]) {
    const s = ours(threads);
    lines.push(
      `| LiteStage engine | int4 (MatMulNBits), fp32 LM head | ${threads} | ${tokS(s)} | ${fractionOfBandwidth(s, threads).toFixed(0)}% | ${threads === 1 ? ((1000 * 128) / ourPrefill.median).toFixed(0) : ''} |`,
    );
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
      const share = (decode.bytes * decode.tokensPerSecond) / 1e9 / (bandwidth[threads] as number);
      lines.push(
        `| llama.cpp | ${decode.type} | ${threads} | ${decode.tokensPerSecond.toFixed(1)} | ${(100 * share).toFixed(0)}% | ${prompt ? prompt.tokensPerSecond.toFixed(0) : ''} |`,
      );
    }
  }
  const q4 = llama.find((r) => /Q4_0/i.test(r.type) && r.threads === 1 && r.test === 'decode 64');
  const q4two = llama.find(
    (r) => /Q4_0/i.test(r.type) && r.threads === 2 && r.test === 'decode 64',
  );
  if (q4 && q4two)
    lines.push(
      '',
      `Our int4 decode against llama.cpp Q4_0: **${(1000 / ours(1).median / q4.tokensPerSecond).toFixed(2)}x** on 1 thread, **${(1000 / ours(2).median / q4two.tokensPerSecond).toFixed(2)}x** on 2 (target: at least 1.0x).`,
    );
  lines.push('');
  return lines;
}
