import { describe, expect, it } from 'vitest';
import {
  accuracyOf,
  comparePaired,
  normalQuantile,
  pairedSpeedup,
  type QuestionOutcome,
  summarizeRun,
  wilsonInterval,
} from './metrics.js';

const bools = (pattern: string) => [...pattern].map((c) => c === '1');
/** Paired runs with the given cell counts: both right, only A, only B, neither. */
function pairs(both: number, onlyA: number, onlyB: number, neither: number) {
  const a = [
    ...Array(both).fill(true),
    ...Array(onlyA).fill(true),
    ...Array(onlyB).fill(false),
    ...Array(neither).fill(false),
  ];
  const b = [
    ...Array(both).fill(true),
    ...Array(onlyA).fill(false),
    ...Array(onlyB).fill(true),
    ...Array(neither).fill(false),
  ];
  return [a, b] as [boolean[], boolean[]];
}

describe('normalQuantile', () => {
  it('matches the normal table', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
  });
});

describe('wilsonInterval', () => {
  // Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table II.
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i -> [%f, %f]', (x, n, lower, upper) => {
    const interval = wilsonInterval(x, n);
    expect(interval.lower).toBeCloseTo(lower, 4);
    expect(interval.upper).toBeCloseTo(upper, 4);
  });

  it('refuses impossible counts', () => {
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(0, 0)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
  });
});

describe('accuracyOf', () => {
  it('counts and brackets', () => {
    const report = accuracyOf(bools('1101'));
    expect(report).toMatchObject({ n: 4, correct: 3, accuracy: 0.75 });
    expect(report.interval.lower).toBeCloseTo(0.3006, 4);
    expect(report.interval.upper).toBeCloseTo(0.9544, 4);
  });
});

describe('comparePaired', () => {
  // Hand-computed with Newcombe's method 10 (1998, "Improved confidence intervals for the
  // difference between binomial proportions based on paired data").
  it.each([
    [12, 2, 9, 21, 0.159091, 0.011243, 0.295372],
    [40, 3, 7, 10, 0.066667, -0.041391, 0.17467],
    [5, 0, 0, 5, 0, -0.166593, 0.166593],
    [0, 3, 1, 0, -0.5, -0.908825, 0.398716],
  ])(
    'cells %i/%i/%i/%i -> %f in [%f, %f]',
    (both, onlyA, onlyB, neither, difference, lower, upper) => {
      const [a, b] = pairs(both, onlyA, onlyB, neither);
      const result = comparePaired(a, b);
      expect(result.difference).toBeCloseTo(difference, 6);
      expect(result.interval.lower).toBeCloseTo(lower, 5);
      expect(result.interval.upper).toBeCloseTo(upper, 5);
      expect(result).toMatchObject({ n: both + onlyA + onlyB + neither, onlyA, onlyB });
    },
  );

  it('is antisymmetric in its arguments', () => {
    const [a, b] = pairs(12, 2, 9, 21);
    const ab = comparePaired(a, b);
    const ba = comparePaired(b, a);
    expect(ba.difference).toBeCloseTo(-ab.difference, 12);
    expect(ba.interval.lower).toBeCloseTo(-ab.interval.upper, 12);
    expect(ba.interval.upper).toBeCloseTo(-ab.interval.lower, 12);
  });

  it('refuses runs of different questions', () => {
    expect(() => comparePaired(bools('10'), bools('1'))).toThrow(/same questions/);
    expect(() => comparePaired([], [])).toThrow(RangeError);
  });
});

describe('summarizeRun', () => {
  it('reports accuracy, parse failures and per-stage tokens and times', () => {
    const stages = (recall: number, analyze: number) => [
      { name: 'recall', tokens: recall, ms: recall * 2 },
      { name: 'analyze', tokens: analyze, ms: analyze * 2 },
    ];
    const outcomes: QuestionOutcome[] = [
      { id: '1', parsed: { ok: true, answer: 'A' }, correct: true, stages: stages(10, 30) },
      { id: '2', parsed: { ok: true, answer: 'B' }, correct: false, stages: stages(20, 40) },
      {
        id: '3',
        parsed: { ok: false, reason: 'missing', found: [] },
        correct: false,
        stages: stages(30, 50),
      },
      {
        id: '4',
        parsed: { ok: false, reason: 'ambiguous', found: ['A', 'B'] },
        correct: false,
        stages: stages(40, 60),
      },
    ];
    const summary = summarizeRun(outcomes);
    expect(summary).toMatchObject({
      n: 4,
      correct: 1,
      accuracy: 0.25,
      parseFailureRate: 0.5,
      parseFailures: { missing: 1, ambiguous: 1, 'out-of-range': 0 },
      meanMs: 140,
      stages: {
        recall: { meanTokens: 25, meanMs: 50, totalTokens: 100 },
        analyze: { meanTokens: 45, meanMs: 90, totalTokens: 180 },
      },
    });
    expect(() => summarizeRun([])).toThrow(RangeError);
  });
});

describe('pairedSpeedup', () => {
  it('is the ratio of total times, inside its own bootstrap interval', () => {
    const base = [100, 200, 300, 400, 500, 120, 240, 360];
    const method = base.map((ms) => ms / 2);
    const even = pairedSpeedup(base, method);
    expect(even.value).toBeCloseTo(2, 12);
    // Every question exactly twice as fast: every resample says 2.
    expect(even.interval.lower).toBeCloseTo(2, 12);
    expect(even.interval.upper).toBeCloseTo(2, 12);

    const mixed = pairedSpeedup(base, [50, 200, 100, 400, 250, 120, 80, 360]);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(mixed.value).toBeCloseTo(total(base) / 1560, 12);
    expect(mixed.interval.lower).toBeLessThan(mixed.value);
    expect(mixed.interval.upper).toBeGreaterThan(mixed.value);
    expect(mixed.interval.lower).toBeGreaterThanOrEqual(1);
    // Seeded: the same times, the same interval.
    expect(pairedSpeedup(base, [50, 200, 100, 400, 250, 120, 80, 360])).toEqual(mixed);
  });

  it('refuses unpaired or empty times', () => {
    expect(() => pairedSpeedup([1, 2], [1])).toThrow(/same questions/);
    expect(() => pairedSpeedup([], [])).toThrow(/zero questions/);
  });
});
