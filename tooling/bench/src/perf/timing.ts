import type { ModelSession, StepRequest } from '@litestage/core';
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

/** Something timed round after round: `run` is timed, `after` (untimed) resets for the next. */
export interface TimedAction {
  readonly name: string;
  run(): Promise<unknown>;
  after?(): void;
}

/**
 * Times every action once per round, rounds after `warmup` counted, the order rotating each
 * round (round r starts with action r mod N) so machine drift falls on all alike.
 */
export async function interleaved(
  actions: readonly TimedAction[],
  options: { readonly rounds: number; readonly warmup?: number },
): Promise<Record<string, Spread>> {
  const warmup = options.warmup ?? 5;
  const times = actions.map((): number[] => []);
  for (let round = 0; round < options.rounds + warmup; round++) {
    for (let k = 0; k < actions.length; k++) {
      const i = (round + k) % actions.length;
      const action = actions[i] as TimedAction;
      const start = performance.now();
      await action.run();
      if (round >= warmup) times[i]?.push(performance.now() - start);
      action.after?.();
    }
  }
  return Object.fromEntries(actions.map((a, i) => [a.name, spreadOf(times[i] as number[])]));
}

/**
 * One decode step of each case after `context` (prefilled now), as timed actions: each step's
 * cache is truncated back to the context (untimed), so every step sees the same length.
 */
export async function decodeActions(
  cases: readonly StepCase[],
  context: readonly number[],
): Promise<TimedAction[]> {
  const actions: TimedAction[] = [];
  for (const c of cases) {
    const sequence = c.session.createSequence();
    await c.session.step(sequence, { tokens: [...context], ...c.request });
    actions.push({
      name: c.name,
      run: () => c.session.step(sequence, { tokens: [7], ...c.request }),
      after: () => sequence.truncate(context.length),
    });
  }
  return actions;
}

/** Decode steps of every case after the same `context`, interleaved (`decodeActions`). */
export async function interleavedDecode(
  cases: readonly StepCase[],
  options: {
    readonly context: readonly number[];
    readonly steps: number;
    readonly warmup?: number;
  },
): Promise<Record<string, Spread>> {
  return interleaved(await decodeActions(cases, options.context), {
    rounds: options.steps,
    warmup: options.warmup ?? 5,
  });
}

/** Prefills of `tokens` from an empty sequence, interleaved; the sequence is reset untimed. */
export async function interleavedPrefill(
  cases: readonly StepCase[],
  options: { readonly tokens: readonly number[]; readonly runs: number; readonly warmup?: number },
): Promise<Record<string, Spread>> {
  const actions = cases.map((c): TimedAction => {
    const sequence = c.session.createSequence();
    return {
      name: c.name,
      run: () => c.session.step(sequence, { tokens: [...options.tokens], ...c.request }),
      after: () => sequence.reset(),
    };
  });
  return interleaved(actions, { rounds: options.runs, warmup: options.warmup ?? 1 });
}

/** A context of `n` ordinary token ids. */
export function contextOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => 3 + (i % 100));
}
