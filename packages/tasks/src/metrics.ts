import type { AnswerParse } from '@litestage/core';
import { SeededRandom } from '@litestage/sampler';

export interface Interval {
  readonly lower: number;
  readonly upper: number;
}

/**
 * The standard normal quantile (Acklam's rational approximation, relative error below
 * 1.2e-9): `normalQuantile(0.975)` is 1.959964.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

function zFor(confidence: number): number {
  if (!(confidence > 0 && confidence < 1)) {
    throw new RangeError(`confidence must be in (0, 1), got ${confidence}`);
  }
  return normalQuantile(1 - (1 - confidence) / 2);
}

/** Wilson score interval for a proportion `successes / n`. */
export function wilsonInterval(successes: number, n: number, confidence = 0.95): Interval {
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > n) {
    throw new RangeError(`successes must be an integer in 0..${n}, got ${successes}`);
  }
  const z = zFor(confidence);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp tiny rounding excursions at 0 and 1.
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

export interface AccuracyReport {
  readonly n: number;
  readonly correct: number;
  readonly accuracy: number;
  /** Wilson interval. */
  readonly interval: Interval;
}

export function accuracyOf(correct: readonly boolean[], confidence = 0.95): AccuracyReport {
  const n = correct.length;
  const hits = correct.filter(Boolean).length;
  return { n, correct: hits, accuracy: hits / n, interval: wilsonInterval(hits, n, confidence) };
}

export interface PairedComparison {
  readonly n: number;
  readonly accuracyA: number;
  readonly accuracyB: number;
  /** accuracy of B minus accuracy of A. */
  readonly difference: number;
  /** Newcombe's hybrid score interval for a paired difference (1998, method 10). */
  readonly interval: Interval;
  /** Questions only A got right, and only B got right. */
  readonly onlyA: number;
  readonly onlyB: number;
}

/**
 * Compares two runs on the same questions (`a[i]` and `b[i]` are the same question):
 * the difference of accuracies, B - A, with an interval that accounts for the pairing.
 */
export function comparePaired(
  a: readonly boolean[],
  b: readonly boolean[],
  confidence = 0.95,
): PairedComparison {
  if (a.length !== b.length) {
    throw new RangeError(`paired runs must cover the same questions: ${a.length} vs ${b.length}`);
  }
  const n = a.length;
  if (n === 0) throw new RangeError('cannot compare runs of zero questions');
  let both = 0;
  let onlyA = 0;
  let onlyB = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] && b[i]) both++;
    else if (a[i]) onlyA++;
    else if (b[i]) onlyB++;
  }
  const neither = n - both - onlyA - onlyB;
  const pA = (both + onlyA) / n;
  const pB = (both + onlyB) / n;
  const wA = wilsonInterval(both + onlyA, n, confidence);
  const wB = wilsonInterval(both + onlyB, n, confidence);
  const denominator = Math.sqrt(
    (both + onlyA) * (onlyB + neither) * (both + onlyB) * (onlyA + neither),
  );
  // Newcombe's estimate of the correlation, shrunk towards 0 when it is positive.
  const cross = both * neither - onlyA * onlyB;
  const shrunk = cross > n / 2 ? cross - n / 2 : Math.min(cross, 0);
  const phi = denominator === 0 ? 0 : shrunk / denominator;
  const difference = pB - pA;
  // Newcombe's method 10 for theta = pB - pA.
  const lowerSpread = Math.sqrt(
    Math.max(
      0,
      (pB - wB.lower) ** 2 - 2 * phi * (pB - wB.lower) * (wA.upper - pA) + (wA.upper - pA) ** 2,
    ),
  );
  const upperSpread = Math.sqrt(
    Math.max(
      0,
      (wB.upper - pB) ** 2 - 2 * phi * (wB.upper - pB) * (pA - wA.lower) + (pA - wA.lower) ** 2,
    ),
  );
  return {
    n,
    accuracyA: pA,
    accuracyB: pB,
    difference,
    interval: {
      lower: Math.max(-1, difference - lowerSpread),
      upper: Math.min(1, difference + upperSpread),
    },
    onlyA,
    onlyB,
  };
}

/** What a run reports for one question and its stages. */
export interface QuestionOutcome {
  readonly id: string;
  readonly parsed: AnswerParse;
  readonly correct: boolean;
  readonly stages: readonly {
    readonly name: string;
    readonly tokens: number;
    readonly ms: number;
  }[];
}

export interface StageSummary {
  readonly meanTokens: number;
  readonly meanMs: number;
  readonly totalTokens: number;
}

export interface RunSummary extends AccuracyReport {
  /** Share of questions whose answer could not be read (missing, ambiguous, out of range). */
  readonly parseFailureRate: number;
  readonly parseFailures: Readonly<Record<'missing' | 'ambiguous' | 'out-of-range', number>>;
  /** Mean time per question over all stages. */
  readonly meanMs: number;
  readonly stages: Readonly<Record<string, StageSummary>>;
}

export function summarizeRun(outcomes: readonly QuestionOutcome[], confidence = 0.95): RunSummary {
  if (outcomes.length === 0) throw new RangeError('cannot summarize a run of zero questions');
  const n = outcomes.length;
  const failures = { missing: 0, ambiguous: 0, 'out-of-range': 0 };
  const stageTotals = new Map<string, { tokens: number; ms: number }>();
  let totalMs = 0;
  for (const outcome of outcomes) {
    if (!outcome.parsed.ok) failures[outcome.parsed.reason]++;
    for (const stage of outcome.stages) {
      const totals = stageTotals.get(stage.name) ?? { tokens: 0, ms: 0 };
      totals.tokens += stage.tokens;
      totals.ms += stage.ms;
      stageTotals.set(stage.name, totals);
      totalMs += stage.ms;
    }
  }
  const stages: Record<string, StageSummary> = {};
  for (const [name, totals] of stageTotals) {
    stages[name] = {
      meanTokens: totals.tokens / n,
      meanMs: totals.ms / n,
      totalTokens: totals.tokens,
    };
  }
  const failed = failures.missing + failures.ambiguous + failures['out-of-range'];
  return {
    ...accuracyOf(
      outcomes.map((o) => o.correct),
      confidence,
    ),
    parseFailureRate: failed / n,
    parseFailures: failures,
    meanMs: totalMs / n,
    stages,
  };
}

/** A speedup with its percentile bootstrap interval. */
export interface SpeedupEstimate {
  /** Total baseline time over total method time. */
  readonly value: number;
  readonly interval: Interval;
}

/**
 * The speedup of a method over a baseline timed on the same questions (`baselineMs[i]` and
 * `methodMs[i]` are one question): the ratio of total times, with a percentile bootstrap
 * interval over questions resampled in pairs, so each question's length counts once for
 * both. Seeded by the number of questions: the same times always give the same interval.
 */
export function pairedSpeedup(
  baselineMs: readonly number[],
  methodMs: readonly number[],
  options: { readonly confidence?: number; readonly resamples?: number } = {},
): SpeedupEstimate {
  if (baselineMs.length !== methodMs.length)
    throw new RangeError(
      `paired times must cover the same questions: ${baselineMs.length} vs ${methodMs.length}`,
    );
  const n = baselineMs.length;
  if (n === 0) throw new RangeError('cannot compare times of zero questions');
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  const ratio = (pick: (i: number) => number) => {
    let base = 0;
    let method = 0;
    for (let i = 0; i < n; i++) {
      const q = pick(i);
      base += baselineMs[q] as number;
      method += methodMs[q] as number;
    }
    return method > 0 ? base / method : 1;
  };
  const random = new SeededRandom(n);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) ratios[r] = ratio(() => Math.floor(random.next() * n));
  ratios.sort();
  const tail = (1 - confidence) / 2;
  return {
    value: ratio((i) => i),
    interval: {
      lower: ratios[Math.floor(tail * (resamples - 1))] as number,
      upper: ratios[Math.ceil((1 - tail) * (resamples - 1))] as number,
    },
  };
}
