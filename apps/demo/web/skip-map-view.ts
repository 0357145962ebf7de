import type { SkipMap } from '../src/skip-map.js';
import { h } from './dom.js';

/** The skip map as a table: a row per layer, a column per stage, attention and FFN per cell. */
export function renderSkipMap(root: HTMLElement, map: SkipMap, skipInPrefill: boolean): void {
  const head = h(
    'tr',
    {},
    h('th', {}, 'layer'),
    ...map.stages.map((stage, i) =>
      h(
        'th',
        {},
        stage,
        h('br'),
        h('span', { class: 'muted' }, `${map.skippedPerStage[i]}/${2 * map.numLayers} skipped`),
      ),
    ),
  );
  const rows = map.cells.map((row, layer) =>
    h(
      'tr',
      {},
      h('th', {}, String(layer)),
      ...row.map((cell, i) =>
        h(
          'td',
          { 'data-testid': `skip-${layer}-${map.stages[i]}` },
          h('span', { class: cell.attn ? 'skipped' : '', title: `${layer}.attn` }, 'A'),
          h('span', { class: cell.ffn ? 'skipped' : '', title: `${layer}.ffn` }, 'F'),
        ),
      ),
    ),
  );
  root.replaceChildren(
    h('table', { class: 'skips' }, h('thead', {}, head), h('tbody', {}, ...rows)),
    h(
      'div',
      { class: 'legend' },
      `A: attention, F: feed-forward; red: skipped while that stage decodes${skipInPrefill ? ' and at its prefill' : ' (its prefill runs at full depth)'}. Full depth skips none.`,
    ),
  );
}
