/**
 * What the search's cosine outputs cost a decode step: median step time of the run graph
 * (no cosine outputs) against a `withCosines` step (the search graph, or a version-1
 * bundle's one graph with the cosines fetched), interleaved in one run so machine noise
 * falls on both alike.
 *
 *   node dist/cosine-cost.js --bundle <dir> [--steps 300] [--context 64] [--threads 1]
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
const L = manifest.numLayers;
const steps = Number(arg('--steps', '300'));
const context = Array.from({ length: Number(arg('--context', '64')) }, (_, i) => 3 + (i % 100));
const none = { attn: Array(L).fill(false), ffn: Array(L).fill(false) };

const configs = {
  'run (no cosines)': { skip: none },
  'with cosines': { skip: none, withCosines: true },
} as const;
const names = Object.keys(configs) as (keyof typeof configs)[];
const times = Object.fromEntries(names.map((name) => [name, [] as number[]]));
const sequences = Object.fromEntries(names.map((name) => [name, session.createSequence()]));
for (const name of names) {
  await session.step(sequences[name] as ReturnType<typeof session.createSequence>, {
    tokens: context,
    ...configs[name],
  });
}
for (let i = 0; i < steps + 5; i++) {
  for (const name of names) {
    const sequence = sequences[name] as ReturnType<typeof session.createSequence>;
    const start = performance.now();
    await session.step(sequence, { tokens: [7], ...configs[name] });
    if (i >= 5) times[name]?.push(performance.now() - start);
    sequence.truncate(context.length);
  }
}
const layout = manifest.graphs.search
  ? 'cosines from the search graph'
  : 'version-1 bundle: cosines from its one graph';
console.log(
  `${manifest.name}: ${L} layers, context ${context.length}, ${steps} interleaved decode steps each, ${layout}`,
);
const run = median(times['run (no cosines)'] as number[]);
for (const name of names) {
  const m = median(times[name] as number[]);
  console.log(
    `  ${name.padEnd(18)} median ${(m * 1000).toFixed(0)} us  (${(m / run).toFixed(3)}x run)`,
  );
}
await session.dispose();
