/**
 * Charts of benchmark results as standalone SVG files, drawn with Apache ECharts' server-side
 * renderer (no browser, no DOM), so a README can show what a table only lists.
 */
import { type ChartOption, renderSvg } from '@litestage/benchmark';

export { type ChartOption, renderSvg };

/** Title, legend below and the plot area: what every chart here shares. */
function frame(title: string, right: number, bottom: number): ChartOption {
  return {
    title: { text: title, left: 'center', textStyle: { fontSize: 14 } },
    legend: { bottom: 0 },
    grid: { top: 60, left: 60, right, bottom },
  };
}

/** An x axis of values with its name centred below it. */
function xValueAxis(name: string, min?: number): ChartOption {
  return {
    type: 'value',
    name,
    nameLocation: 'middle',
    nameGap: 28,
    ...(min === undefined ? {} : { min }),
  };
}

/** A CSV file's rows as objects of numbers, keyed by its header. */
export function parseNumericCsv(text: string): Record<string, number>[] {
  const [header, ...rows] = text.trim().split(/\r?\n/);
  if (!header) throw new Error('empty CSV');
  const names = header.split(',');
  return rows.map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== names.length)
      throw new Error(`CSV row ${i + 2}: ${cells.length} cells, the header has ${names.length}`);
    return Object.fromEntries(names.map((name, j) => [name, Number(cells[j])]));
  });
}

function column(rows: Record<string, number>[], x: string, y: string): [number, number][] {
  return rows.map((row) => {
    const [a, b] = [row[x], row[y]];
    if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b))
      throw new Error(`missing or non-numeric column ${Number.isNaN(a) ? x : y}`);
    return [a, b];
  });
}

/**
 * A training run: the loss (left axis) and the greedy staged accuracy on calibration
 * questions (right axis, percent) against the step, from the trainer's `train-log.csv` and
 * `eval-log.csv`.
 */
export function trainingCurveOption(
  trainLog: Record<string, number>[],
  evalLog: Record<string, number>[],
  title: string,
): ChartOption {
  const percent = (rows: [number, number][]) => rows.map(([s, v]) => [s, 100 * v]);
  return {
    ...frame(title, 60, 80),
    xAxis: xValueAxis('step'),
    yAxis: [
      { type: 'log', name: 'loss (log)' },
      { type: 'value', name: 'accuracy %', min: 0, max: 100, splitLine: { show: false } },
    ],
    series: [
      {
        name: 'question-row loss',
        type: 'line',
        showSymbol: false,
        data: column(trainLog, 'step', 'loss'),
      },
      {
        name: 'calibration accuracy',
        type: 'line',
        yAxisIndex: 1,
        data: percent(column(evalLog, 'step', 'accuracy')),
      },
      {
        name: 'analyze exact',
        type: 'line',
        yAxisIndex: 1,
        lineStyle: { type: 'dashed' },
        data: percent(column(evalLog, 'step', 'analyze_exact')),
      },
    ],
  };
}

/** One cell of the skip-sensitivity bench (`skip-sensitivity.js --out`). */
export interface SensitivityCell {
  stage: string;
  k: number;
  accuracy: number;
  lower: number;
  upper: number;
  meanTokens: Record<string, number>;
}

/**
 * Per-stage skip sensitivity: accuracy (left axis, percent) and that stage's mean tokens
 * (right axis, dashed) against the number of sub-layers skipped in it.
 */
export function skipSensitivityOption(
  cells: readonly SensitivityCell[],
  title: string,
): ChartOption {
  const stages = [...new Set(cells.map((c) => c.stage))];
  if (stages.length === 0) throw new Error('no skip-sensitivity cells');
  const of = (stage: string) => cells.filter((c) => c.stage === stage).sort((a, b) => a.k - b.k);
  return {
    ...frame(title, 70, 90),
    xAxis: xValueAxis('sub-layers skipped in the stage (k)'),
    yAxis: [
      { type: 'value', name: 'accuracy %', min: 0, max: 100 },
      { type: 'value', name: 'stage tokens', min: 0, splitLine: { show: false } },
    ],
    series: stages.flatMap((stage) => [
      {
        name: `${stage} accuracy`,
        type: 'line',
        data: of(stage).map((c) => [c.k, 100 * c.accuracy]),
      },
      {
        name: `${stage} tokens`,
        type: 'line',
        yAxisIndex: 1,
        lineStyle: { type: 'dashed' },
        symbol: 'none',
        data: of(stage).map((c) => {
          const tokens = c.meanTokens[stage];
          if (tokens === undefined)
            throw new Error(`cell ${stage} k=${c.k}: no tokens for ${stage}`);
          return [c.k, tokens];
        }),
      },
    ]),
  };
}

/** One evaluated step of a search, as a profile's `provenance.trace` records it. */
export interface SearchTraceStep {
  step: string;
  accuracy: number;
  meanLatencyMs: number;
  pruned: boolean;
}

/**
 * A search's trade-off: every budget it evaluated as calibration accuracy against the
 * speedup over full depth that the search's latency measure predicted, kept and pruned
 * apart (stopped after a few questions), with the target (the baseline less epsilon) as a line.
 */
export function searchTraceOption(
  trace: readonly SearchTraceStep[],
  target: { baselineAccuracy: number; epsilon: number; chosen: SearchTraceStep },
  title: string,
): ChartOption {
  const baseline = trace.find((t) => t.step === 'baseline');
  if (!baseline) throw new Error('the search trace has no baseline step');
  const point = (t: SearchTraceStep) => [
    baseline.meanLatencyMs / t.meanLatencyMs,
    100 * t.accuracy,
  ];
  const floor = 100 * (target.baselineAccuracy - target.epsilon);
  return {
    ...frame(title, 40, 80),
    xAxis: xValueAxis('speedup over full depth (latency model)', 0.5),
    yAxis: { type: 'value', name: 'calibration accuracy %', min: 0, max: 100 },
    series: [
      {
        name: 'evaluated on every question',
        type: 'scatter',
        data: trace.filter((t) => !t.pruned).map(point),
      },
      {
        name: 'pruned (stopped early)',
        type: 'scatter',
        symbol: 'triangle',
        data: trace.filter((t) => t.pruned).map(point),
      },
      {
        name: 'chosen',
        type: 'scatter',
        symbolSize: 16,
        symbol: 'diamond',
        data: [point(target.chosen)],
      },
      {
        name: `target (${floor.toFixed(0)}%)`,
        type: 'line',
        symbol: 'none',
        lineStyle: { type: 'dashed' },
        data: [
          [0.5, floor],
          [Math.max(...trace.map((t) => point(t)[0] ?? 1)), floor],
        ],
      },
    ],
  };
}
