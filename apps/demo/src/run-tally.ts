import { type Interval, pairedSpeedup, wilsonInterval } from '@litestage/tasks';

/** One question answered both ways: whether each was right, and each run's total time. */
export interface PairedOutcome {
  readonly fullCorrect: boolean;
  readonly liteCorrect: boolean;
  readonly fullMs: number;
  readonly liteMs: number;
}

export interface Estimate {
  readonly value: number;
  /** 95%. */
  readonly interval: Interval;
}

/** What "run 20 questions" shows as it goes. */
export interface RunTally {
  readonly n: number;
  readonly fullAccuracy: Estimate;
  readonly liteAccuracy: Estimate;
  /** Total full-depth time over total LiteStage time, with a paired bootstrap interval. */
  readonly speedup: Estimate;
}

/**
 * Accuracy of each run with Wilson intervals, and the speedup (the ratio of total times)
 * with a percentile bootstrap interval over questions, resampled in pairs so each question's
 * difficulty counts once. Seeded: the same outcomes always give the same interval.
 */
export function tallyRuns(outcomes: readonly PairedOutcome[]): RunTally | null {
  const n = outcomes.length;
  if (n === 0) return null;
  const accuracy = (correct: (o: PairedOutcome) => boolean): Estimate => {
    const right = outcomes.filter(correct).length;
    return { value: right / n, interval: wilsonInterval(right, n) };
  };
  return {
    n,
    fullAccuracy: accuracy((o) => o.fullCorrect),
    liteAccuracy: accuracy((o) => o.liteCorrect),
    speedup: pairedSpeedup(
      outcomes.map((o) => o.fullMs),
      outcomes.map((o) => o.liteMs),
    ),
  };
}
