import { type ChartOption, renderSvg } from './render-svg.js';
import type { BenchReport } from './report.js';

/**
 * Accuracy against speedup, one labelled point per method that answered, with its 95%
 * intervals as bars: accuracy (Wilson) up and down, speedup (paired bootstrap) left and right.
 */
export function accuracySpeedupOption(report: BenchReport): ChartOption {
  const points = report.methods.flatMap((m) => {
    // A method is placed by its paired speedup; without one (the baseline failed) it is left out.
    const isBaseline = m.name === report.baseline;
    if (!m.accuracy || (!m.vsBaseline && !isBaseline)) return [];
    const speedup = m.vsBaseline?.speedup ?? { value: 1, lower: 1, upper: 1 };
    return [{ name: m.name, accuracy: m.accuracy, speedup }];
  });
  if (points.length === 0) throw new RangeError('no method answered a question: nothing to plot');
  const bars = points.flatMap((p) => [
    {
      coords: [
        [p.speedup.lower, 100 * p.accuracy.value],
        [p.speedup.upper, 100 * p.accuracy.value],
      ],
    },
    {
      coords: [
        [p.speedup.value, 100 * p.accuracy.lower],
        [p.speedup.value, 100 * p.accuracy.upper],
      ],
    },
  ]);
  return {
    title: {
      text: `${report.model.name}: accuracy against speedup over ${report.baseline}`,
      subtext: `${report.questions.count} held-out questions, 95% intervals`,
      left: 'center',
      textStyle: { fontSize: 14 },
    },
    legend: { orient: 'vertical', right: 10, top: 80 },
    grid: { top: 80, left: 60, right: 230, bottom: 50 },
    xAxis: {
      type: 'value',
      name: `speedup over ${report.baseline}`,
      nameLocation: 'middle',
      nameGap: 28,
      scale: true,
    },
    yAxis: {
      type: 'value',
      name: 'accuracy (%)',
      nameLocation: 'middle',
      nameGap: 40,
      scale: true,
      max: 100,
    },
    series: [
      {
        name: '95% intervals',
        type: 'lines',
        coordinateSystem: 'cartesian2d',
        lineStyle: { color: '#888', width: 1 },
        data: bars,
      },
      ...points.map((p) => ({
        name: p.name,
        type: 'scatter',
        symbolSize: 10,
        label: { show: true, formatter: p.name, position: 'right', fontSize: 11 },
        labelLayout: { hideOverlap: true },
        data: [[p.speedup.value, 100 * p.accuracy.value]],
      })),
    ],
  };
}

/** The chart as a standalone SVG document. */
export function accuracySpeedupSvg(report: BenchReport): string {
  return renderSvg(accuracySpeedupOption(report), 900, 520);
}
