/**
 * What the `If` gates cost: median decode-step time of the plain graph (no gates) against
 * the gated graph at full depth, and of the gated graph skipping every sub-layer, measured
 * interleaved in one run so machine noise falls on all three alike.
 *
 *   node dist/gating-cost.js --bundle <dir with a plain graph> [--steps 200] [--context 64] [--threads 1]
 */
import { openRuntime } from '@litestage/runtime';
import { median } from '@litestage/search';
import { arg, deviceArg, deviceLine } from './script-args.js';

const runtime = await openRuntime({
  device: deviceArg(),
  bundle: arg('--bundle', ''),
  threads: Number(arg('--threads', '1')),
});
process.stderr.write(`${deviceLine(runtime)}\n`);
const { manifest, session } = runtime;
if (!manifest.graphs.plain)
  throw new Error('the bundle has no plain graph: convert it without --no-plain');
const L = manifest.numLayers;
const steps = Number(arg('--steps', '200'));
const context = Array.from({ length: Number(arg('--context', '64')) }, (_, i) => 3 + (i % 100));
const none = { attn: Array(L).fill(false), ffn: Array(L).fill(false) };
const all = { attn: Array(L).fill(true), ffn: Array(L).fill(true) };

const configs = {
  plain: { plain: true },
  gated: { skip: none },
  'gated, all skipped': { skip: all },
} as const;
const times: Record<string, number[]> = { plain: [], gated: [], 'gated, all skipped': [] };
const sequences = Object.fromEntries(
  Object.keys(configs).map((name) => [name, session.createSequence()]),
);
for (const [name, request] of Object.entries(configs)) {
  await session.step(sequences[name] as ReturnType<typeof session.createSequence>, {
    tokens: context,
    ...request,
  });
}
for (let i = 0; i < steps + 5; i++) {
  for (const [name, request] of Object.entries(configs)) {
    const sequence = sequences[name] as ReturnType<typeof session.createSequence>;
    const start = performance.now();
    await session.step(sequence, { tokens: [7], ...request });
    if (i >= 5) times[name]?.push(performance.now() - start);
    sequence.truncate(context.length);
  }
}
const plain = median(times.plain as number[]);
console.log(
  `${manifest.name}: ${L} layers, context ${context.length}, ${steps} interleaved decode steps each`,
);
for (const name of Object.keys(configs)) {
  const m = median(times[name] as number[]);
  console.log(
    `  ${name.padEnd(20)} median ${(m * 1000).toFixed(0)} us  (${(m / plain).toFixed(3)}x plain)`,
  );
}
const gated = median(times.gated as number[]);
const skipped = median(times['gated, all skipped'] as number[]);
console.log(
  `  per skipped sub-layer: ${(((gated - skipped) / (2 * L)) * 1000).toFixed(0)} us saved on average`,
);
await session.dispose();
