import { describe, expect, it } from 'vitest';
import {
  parseNumericCsv,
  renderSvg,
  type SensitivityCell,
  searchTraceOption,
  skipSensitivityOption,
  trainingCurveOption,
} from './charts.js';

const cell = (stage: string, k: number, accuracy: number, tokens: number): SensitivityCell => ({
  stage,
  k,
  accuracy,
  lower: accuracy - 0.05,
  upper: accuracy + 0.05,
  meanTokens: { [stage]: tokens },
});

describe('charts', () => {
  it('parses a numeric CSV and names a malformed row', () => {
    expect(parseNumericCsv('step,loss\n10,2.5\n20,1.25\n')).toEqual([
      { step: 10, loss: 2.5 },
      { step: 20, loss: 1.25 },
    ]);
    expect(() => parseNumericCsv('step,loss\n10\n')).toThrow(/row 2: 1 cells/);
  });

  it('plots each stage of a skip-sensitivity result in k order, accuracy in percent', () => {
    const option = skipSensitivityOption(
      [cell('recall', 2, 0.9, 30), cell('recall', 0, 1, 29), cell('analyze', 0, 1, 69)],
      'demo',
    );
    const series = option.series as { name: string; data: number[][] }[];
    expect(series.map((s) => s.name)).toEqual([
      'recall accuracy',
      'recall tokens',
      'analyze accuracy',
      'analyze tokens',
    ]);
    expect(series[0]?.data).toEqual([
      [0, 100],
      [2, 90],
    ]);
    expect(series[1]?.data).toEqual([
      [0, 29],
      [2, 30],
    ]);
    expect(() => skipSensitivityOption([], 'none')).toThrow(/no skip-sensitivity cells/);
  });

  it('draws a training curve as an SVG document with its title and series', () => {
    const train = parseNumericCsv('step,loss\n10,3\n20,2\n');
    const evals = parseNumericCsv('step,accuracy,analyze_exact\n20,0.5,0.25\n');
    const svg = renderSvg(trainingCurveOption(train, evals, 'run 42'));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('run 42');
    expect(svg).toContain('calibration accuracy');
    expect(() => trainingCurveOption(train, parseNumericCsv('step,other\n1,2\n'), 'x')).toThrow(
      /accuracy/,
    );
  });

  it('plots a search trace as speedup against accuracy, pruned apart, with the target', () => {
    const step = (name: string, accuracy: number, ms: number, pruned = false) => ({
      step: name,
      accuracy,
      meanLatencyMs: ms,
      pruned,
    });
    const trace = [
      step('baseline', 1, 200),
      step('budget:a', 0.98, 100),
      step('budget:a', 0.5, 50, true),
    ];
    const option = searchTraceOption(
      trace,
      { baselineAccuracy: 1, epsilon: 0.04, chosen: trace[1]! },
      't',
    );
    const series = option.series as { name: string; data: number[][] }[];
    expect(series.map((s) => s.name)).toEqual([
      'evaluated on every question',
      'pruned (stopped early)',
      'chosen',
      'target (96%)',
    ]);
    expect(series[0]?.data).toEqual([
      [1, 100],
      [2, 98],
    ]);
    expect(series[1]?.data).toEqual([[4, 50]]);
    expect(series[3]?.data).toEqual([
      [0.5, 96],
      [4, 96],
    ]);
    expect(() =>
      searchTraceOption(
        trace.slice(1),
        { baselineAccuracy: 1, epsilon: 0, chosen: trace[1]! },
        't',
      ),
    ).toThrow(/no baseline/);
  });
});
