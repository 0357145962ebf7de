/**
 * Where more intra-op threads start to pay: decode ms/token with 1 thread against N threads
 * for models of growing bytes per token (weights read per decode token, as the backend
 * computes it from the manifest), interleaved round by round. The models are the bundles
 * given with `--bundles` and random fp32 Llama-shaped models of several widths built by the
 * bench itself (random weights, a tiny tokenizer) and cached in `--dir`; a size `2048:int4`
 * is the same model converted to int4 (`MatMulNBits`, compute-bound rather than memory-bound),
 * `2048x8` one of 8 layers.
 *
 *   node dist/threads-by-size.js [--bundles B1,B2] [--dir D] [--sizes 256,512,1024,2048,2048:int4,2048x8]
 *     [--threads 2] [--context 64] [--rounds 15] [--round-ms 60]
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DecoderConfig, ModelBundleManifest } from '@litestage/model';
import { decodeBytesPerToken } from '@litestage/model';
import { convertCheckpoint } from '@litestage/model/convert';
import {
  createRandomWeights,
  tinySentencePieceBpe,
  writeHuggingFaceCheckpoint,
} from '@litestage/model/testing';
import { openRuntime, type Runtime } from '@litestage/runtime';
import { median } from '@litestage/search';
import { arg, deviceLine } from './script-args.js';

const dir = arg('--dir', '/tmp/litestage-threads-by-size');
const many = Number(arg('--threads', '2'));
const contextLength = Number(arg('--context', '64'));
const rounds = Number(arg('--rounds', '15'));
const roundMs = Number(arg('--round-ms', '60'));
const sizes = arg('--sizes', '256,512,1024,2048,2048:int4,2048x8').split(',').filter(Boolean);
const given = arg('--bundles', '').split(',').filter(Boolean);

/** A random Llama-shaped model of width `d` (FFN 2.75d, head dim 64, 4 KV heads; 8 layers, 4 from d=2048 unless given). */
function shapeOf(d: number, layers: number | undefined): DecoderConfig {
  return {
    architecture: 'llama',
    vocabSize: Math.min(32000, d * 8),
    hiddenSize: d,
    intermediateSize: Math.round((d * 2.75) / 64) * 64,
    numLayers: layers ?? (d >= 2048 ? 4 : 8),
    numHeads: d / 64,
    numKvHeads: Math.min(4, d / 64),
    headDim: 64,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    ropeStyle: 'half',
    maxPositionEmbeddings: 512,
    tieWordEmbeddings: false,
    attentionBias: false,
    bosTokenId: 1,
    eosTokenIds: [2],
  };
}

/** The bundle of a random model of width `d` (`dxL` with L layers, `:int4` quantized), converted once and kept in `dir`. */
async function randomBundle(size: string): Promise<string> {
  const [shape = '', quantization] = size.split(':');
  const [width, layers] = shape.split('x');
  const d = Number(width);
  const name = `random-d${shape}`;
  const bundle = join(dir, `${name}${quantization ? `-${quantization}` : ''}`);
  if (await stat(join(bundle, 'litestage.json')).catch(() => null)) return bundle;
  const checkpoint = join(dir, `${name}-checkpoint`);
  if (!(await stat(join(checkpoint, 'tokenizer.json')).catch(() => null))) {
    const config = shapeOf(d, layers === undefined ? undefined : Number(layers));
    process.stderr.write(`writing a random d=${d} checkpoint in ${checkpoint} ...\n`);
    await mkdir(dir, { recursive: true });
    await writeHuggingFaceCheckpoint(checkpoint, config, createRandomWeights(config, d));
    // The tokenizer only has to load: decode steps here feed token ids directly.
    await writeFile(join(checkpoint, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
  }
  process.stderr.write(`converting it to ${bundle} ...\n`);
  await convertCheckpoint({
    input: checkpoint,
    out: bundle,
    plainGraph: false,
    ...(quantization === 'int4' ? { quantization: 'int4' as const } : {}),
  });
  return bundle;
}

const bundles = [...given];
for (const size of sizes) bundles.push(await randomBundle(size));

console.log(
  `decode ms/token after a ${contextLength}-token context, 1 thread vs ${many}, ${rounds} interleaved rounds of about ${roundMs} ms (medians of per-round ms/token, min-max)`,
);
console.log(`| bundle | MiB per token | 1 thread | ${many} threads | ${many} vs 1 |`);
console.log('| --- | ---: | ---: | ---: | ---: |');
let printedDevice = false;
for (const bundle of bundles) {
  const one = await openRuntime({ bundle, threads: 1 });
  const more = await openRuntime({ bundle, threads: many });
  if (!printedDevice) {
    process.stderr.write(`${deviceLine(one)}\n`);
    printedDevice = true;
  }
  const manifest = one.manifest as ModelBundleManifest;
  const bytes = decodeBytesPerToken(manifest);
  const vocab = manifest.vocabSize;
  const context = Array.from({ length: contextLength }, (_, i) => 3 + ((i * 7) % (vocab - 3)));
  const runtimes: [string, Runtime][] = [
    ['1', one],
    [String(many), more],
  ];
  const sequences = runtimes.map(([, r]) => r.session.createSequence());
  for (const [i, [, r]] of runtimes.entries()) {
    await r.session.step(sequences[i] as ReturnType<typeof r.session.createSequence>, {
      tokens: context,
    });
  }
  // Steps per round from one timed step, so a round takes about `roundMs`.
  const probeStart = performance.now();
  await one.session.step(sequences[0] as ReturnType<typeof one.session.createSequence>, {
    tokens: [5],
  });
  sequences[0]?.truncate(contextLength);
  const steps = Math.max(2, Math.round(roundMs / (performance.now() - probeStart)));
  const times = runtimes.map(() => [] as number[]);
  for (let r = 0; r < rounds + 1; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const [, runtime] = runtimes[k] as [string, Runtime];
      const sequence = sequences[k] as ReturnType<typeof runtime.session.createSequence>;
      const start = performance.now();
      for (let s = 0; s < steps; s++) {
        await runtime.session.step(sequence, { tokens: [3 + ((s * 11) % (vocab - 3))] });
      }
      if (r > 0) times[k]?.push((performance.now() - start) / steps);
      sequence.truncate(contextLength);
    }
  }
  const cell = (t: number[]) =>
    `${median(t).toFixed(3)} (${Math.min(...t).toFixed(3)}-${Math.max(...t).toFixed(3)})`;
  const [t1, tn] = times as [number[], number[]];
  console.log(
    `| ${manifest.name}${manifest.quantization === 'none' ? '' : ` ${manifest.quantization}`} | ${(bytes / 2 ** 20).toFixed(1)} | ${cell(t1)} | ${cell(tn)} | ${(median(t1) / median(tn)).toFixed(2)}x |`,
  );
  await one.dispose();
  await more.dispose();
}
