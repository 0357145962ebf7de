/**
 * K/V kept in place (`kvCache: 'in-place'`) and the backend's default (copied, in place from
 * `IN_PLACE_FROM` positions) against copied caches (`copy`): greedy decode ms/token after a
 * context of each length, the sessions interleaved round by round (the order rotating) so
 * machine noise falls on all alike, and whether all decoded the same tokens. A second copying
 * session (`copy again`) shows how far two sessions of the same kind differ by noise alone. Each round
 * decodes `--steps` tokens from the context, then truncates back to it.
 *
 *   node dist/kv-in-place.js --bundle <dir> [--contexts 64,256] [--steps 32] [--rounds 40] [--threads 1]
 */
import type { KvCacheMode, Sequence } from '@litestage/core';
import { openRuntime, type Runtime } from '@litestage/runtime';
import { median } from '@litestage/search';
import { arg, deviceArg, deviceLine } from './script-args.js';

/** `copy again` is a second copying session: an A/A control for what sessions differ by alone. */
type Mode = KvCacheMode | 'default' | 'copy again';
const modes: readonly Mode[] = ['copy', 'copy again', 'in-place', 'default'];
const bundle = arg('--bundle');
const threads = Number(arg('--threads', '1'));
const contexts = arg('--contexts', '64,256').split(',').map(Number);
const steps = Number(arg('--steps', '32'));
const rounds = Number(arg('--rounds', '40'));

const runtimes = new Map<Mode, Runtime>();
for (const mode of modes) {
  const kvCache =
    mode === 'default' ? {} : { kvCache: mode === 'copy again' ? ('copy' as const) : mode };
  runtimes.set(mode, await openRuntime({ device: deviceArg(), bundle, threads, ...kvCache }));
}
const first = runtimes.get('copy') as Runtime;
process.stderr.write(`${deviceLine(first)}\n`);
const { manifest } = first;
console.log(
  `${manifest.name}: ${manifest.numLayers} layers, ${threads} thread(s), ${steps} greedy decode steps per round, ${rounds} interleaved rounds per context (medians of per-round ms/token, min-max)`,
);

function argmax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++)
    if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** One round: `steps` greedy tokens after the context; ms per token and the tokens. */
async function round(runtime: Runtime, sequence: Sequence, context: number, last: number) {
  const tokens: number[] = [];
  let next = last;
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    const { logits } = await runtime.session.step(sequence, { tokens: [next] });
    next = argmax(logits);
    tokens.push(next);
  }
  const ms = (performance.now() - start) / steps;
  sequence.truncate(context);
  return { ms, tokens };
}

for (const context of contexts) {
  const prompt = Array.from({ length: context }, (_, i) => 3 + ((i * 7) % 200));
  const sequences = new Map<Mode, Sequence>();
  const lastToken = new Map<Mode, number>();
  for (const mode of modes) {
    const runtime = runtimes.get(mode) as Runtime;
    const sequence = runtime.session.createSequence();
    // The prompt but its last token, which each round feeds first.
    await runtime.session.step(sequence, { tokens: prompt.slice(0, -1) });
    sequences.set(mode, sequence);
    lastToken.set(mode, prompt.at(-1) as number);
  }
  const times = new Map<Mode, number[]>(modes.map((m) => [m, []]));
  const decoded = new Map<Mode, number[][]>(modes.map((m) => [m, []]));
  for (let r = 0; r < rounds + 2; r++) {
    const order = [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)];
    for (const mode of order) {
      const result = await round(
        runtimes.get(mode) as Runtime,
        sequences.get(mode) as Sequence,
        context - 1,
        lastToken.get(mode) as number,
      );
      // The first two rounds warm up (buffers grown, arenas sized).
      if (r >= 2) times.get(mode)?.push(result.ms);
      decoded.get(mode)?.push(result.tokens);
    }
  }
  const reference = JSON.stringify(decoded.get('copy'));
  const same = modes.every((m) => JSON.stringify(decoded.get(m)) === reference);
  const copyMedian = median(times.get('copy') as number[]);
  console.log(`context ${context}: tokens identical: ${same ? 'yes' : 'NO'}`);
  const copyTimes = times.get('copy') as number[];
  for (const mode of modes) {
    const t = times.get(mode) as number[];
    const m = median(t);
    // Paired: each round's copy time over this mode's in the same round (noise that drifts
    // between rounds cancels), then the median over rounds.
    const paired = median(t.map((x, r) => (copyTimes[r] as number) / x));
    console.log(
      `  ${mode.padEnd(10)} ${m.toFixed(3)} ms/token (${Math.min(...t).toFixed(3)}-${Math.max(...t).toFixed(3)})  ${(copyMedian / m).toFixed(3)}x copy, paired ${paired.toFixed(3)}x`,
    );
  }
}
for (const runtime of runtimes.values()) await runtime.dispose();
