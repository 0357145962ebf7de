import * as echarts from 'echarts';

/** An ECharts option; kept loose here, ECharts checks it when it draws. */
export type ChartOption = Record<string, unknown>;

/** Draws `option` as a standalone SVG document (ECharts' server-side renderer, no DOM). */
export function renderSvg(option: ChartOption, width = 800, height = 440): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}
