import type { ModelSession, Sequence, StepRequest } from '@litestage/core';
import { median } from '@litestage/search';

/** Median, min and max of a list of milliseconds. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: number;
}

export function spreadOf(ms: readonly number[]): Spread {
  if (ms.length === 0) throw new RangeError('no samples');
  return { median: median(ms), min: Math.min(...ms), max: Math.max(...ms), samples: ms.length };
}

/** One thing timed step by step: a session and what each step asks of it. */
export interface StepCase {
  readonly name: string;
  readonly session: ModelSession;
  readonly request?: Omit<StepRequest, 'tokens'>;
}

/**
 * Decode steps of every case after the same `context`, interleaved step by step (case order
 * rotating each round) so machine drift falls on all alike; each step's cache is truncated
 * back to the context, so every step sees the same length.
 */
export async function interleavedDecode(
  cases: readonly StepCase[],
  options: {
    readonly context: readonly number[];
    readonly steps: number;
    readonly warmup?: number;
  },
): Promise<Record<string, Spread>> {
  const warmup = options.warmup ?? 5;
  const sequences: Sequence[] = [];
  for (const c of cases) {
    const sequence = c.session.createSequence();
    await c.session.step(sequence, { tokens: [...options.context], ...c.request });
    sequences.push(sequence);
  }
  const times = cases.map((): number[] => []);
  for (let round = 0; round < options.steps + warmup; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (round + k) % cases.length;
      const c = cases[i] as StepCase;
      const sequence = sequences[i] as Sequence;
      const start = performance.now();
      await c.session.step(sequence, { tokens: [7], ...c.request });
      if (round >= warmup) times[i]?.push(performance.now() - start);
      sequence.truncate(options.context.length);
    }
  }
  return Object.fromEntries(cases.map((c, i) => [c.name, spreadOf(times[i] as number[])]));
}

/** Prefills of `tokens` on a fresh sequence per run, interleaved like `interleavedDecode`. */
export async function interleavedPrefill(
  cases: readonly StepCase[],
  options: { readonly tokens: readonly number[]; readonly runs: number; readonly warmup?: number },
): Promise<Record<string, Spread>> {
  const warmup = options.warmup ?? 1;
  const times = cases.map((): number[] => []);
  for (let round = 0; round < options.runs + warmup; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (round + k) % cases.length;
      const c = cases[i] as StepCase;
      const sequence = c.session.createSequence();
      const start = performance.now();
      await c.session.step(sequence, { tokens: [...options.tokens], ...c.request });
      if (round >= warmup) times[i]?.push(performance.now() - start);
      sequence.reset();
    }
  }
  return Object.fromEntries(cases.map((c, i) => [c.name, spreadOf(times[i] as number[])]));
}

/** A context of `n` ordinary token ids. */
export function contextOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 3 + (i % 100));
}

/** Any timed actions, interleaved round by round in rotating order. */
export async function interleaved(
  actions: readonly { readonly name: string; run(): Promise<void> }[],
  options: { readonly rounds: number; readonly warmup?: number },
): Promise<Record<string, Spread>> {
  const warmup = options.warmup ?? 5;
  const times = actions.map((): number[] => []);
  for (let round = 0; round < options.rounds + warmup; round++) {
    for (let k = 0; k < actions.length; k++) {
      const i = (round + k) % actions.length;
      const start = performance.now();
      await (actions[i] as (typeof actions)[number]).run();
      if (round >= warmup) times[i]?.push(performance.now() - start);
    }
  }
  return Object.fromEntries(actions.map((a, i) => [a.name, spreadOf(times[i] as number[])]));
}
