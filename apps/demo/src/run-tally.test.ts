import { wilsonInterval } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import { type PairedOutcome, tallyRuns } from './run-tally.js';

const outcome = (
  fullMs: number,
  liteMs: number,
  fullCorrect = true,
  liteCorrect = true,
): PairedOutcome => ({
  fullCorrect,
  liteCorrect,
  fullMs,
  liteMs,
});

describe('tallyRuns', () => {
  it('has nothing to say before the first question', () => {
    expect(tallyRuns([])).toBeNull();
  });

  it('gives each run its accuracy with a Wilson interval', () => {
    const tally = tallyRuns([
      outcome(10, 5),
      outcome(10, 5, true, false),
      outcome(10, 5, false, false),
    ]);
    expect(tally?.n).toBe(3);
    expect(tally?.fullAccuracy).toEqual({ value: 2 / 3, interval: wilsonInterval(2, 3) });
    expect(tally?.liteAccuracy).toEqual({ value: 1 / 3, interval: wilsonInterval(1, 3) });
  });

  it('gives the speedup as total times, with an interval holding it that narrows with agreement', () => {
    const varied = [
      outcome(100, 50),
      outcome(120, 40),
      outcome(90, 60),
      outcome(200, 70),
      outcome(80, 50),
    ];
    const tally = tallyRuns(varied);
    expect(tally?.speedup.value).toBeCloseTo(590 / 270, 12);
    const { lower, upper } = tally?.speedup.interval ?? { lower: Number.NaN, upper: Number.NaN };
    expect(lower).toBeLessThan(590 / 270);
    expect(upper).toBeGreaterThan(590 / 270);
    expect(lower).toBeGreaterThanOrEqual(90 / 60);
    expect(upper).toBeLessThanOrEqual(200 / 40);
    // Every question 2x faster: no doubt left.
    expect(tallyRuns([outcome(100, 50), outcome(40, 20), outcome(60, 30)])?.speedup).toEqual({
      value: 2,
      interval: { lower: 2, upper: 2 },
    });
  });

  it('is the same every time for the same outcomes (seeded)', () => {
    const outcomes = [outcome(100, 50), outcome(120, 40), outcome(90, 60)];
    expect(tallyRuns(outcomes)).toEqual(tallyRuns(outcomes));
  });
});
