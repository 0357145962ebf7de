import { SeededRandom } from '@litestage/sampler';
import { type Interval, wilsonInterval } from '@litestage/tasks';

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

/** Bootstrap resamples for the speedup's interval: plenty for a 95% interval of 20 pairs. */
const RESAMPLES = 2000;

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
  const ratio = (indices: ArrayLike<number>) => {
    let full = 0;
    let lite = 0;
    for (let i = 0; i < indices.length; i++) {
      const outcome = outcomes[indices[i] as number] as PairedOutcome;
      full += outcome.fullMs;
      lite += outcome.liteMs;
    }
    return lite > 0 ? full / lite : 1;
  };
  const random = new SeededRandom(n);
  const ratios = new Float64Array(RESAMPLES);
  const pick = new Uint32Array(n);
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < n; i++) pick[i] = Math.floor(random.next() * n);
    ratios[r] = ratio(pick);
  }
  ratios.sort();
  return {
    n,
    fullAccuracy: accuracy((o) => o.fullCorrect),
    liteAccuracy: accuracy((o) => o.liteCorrect),
    speedup: {
      value: ratio(outcomes.map((_, i) => i)),
      interval: {
        lower: ratios[Math.floor(0.025 * (RESAMPLES - 1))] as number,
        upper: ratios[Math.ceil(0.975 * (RESAMPLES - 1))] as number,
      },
    },
  };
}
