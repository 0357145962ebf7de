/**
 * Draws a benchmark's result as an SVG chart.
 *
 *   node dist/chart.js training --train-log train-log.csv --eval-log eval-log.csv --out training.svg [--title ...]
 *   node dist/chart.js skip-sensitivity --result a.json[,b.json...] --out skip.svg [--title ...]
 *
 * `skip-sensitivity` takes the `--out` files of one or more `skip-sensitivity.js` runs (for
 * example one per stage, run in parallel) and draws every stage they measured.
 */
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@litestage/tasks/node';
import {
  parseNumericCsv,
  renderSvg,
  type SensitivityCell,
  skipSensitivityOption,
  trainingCurveOption,
} from './charts.js';
import { arg } from './script-args.js';

const kind = process.argv[2];
const out = arg('--out');
let svg: string;
if (kind === 'training') {
  const [train, evals] = await Promise.all(
    [arg('--train-log'), arg('--eval-log')].map(async (f) =>
      parseNumericCsv(await readFile(f, 'utf8')),
    ),
  );
  svg = renderSvg(trainingCurveOption(train ?? [], evals ?? [], arg('--title', 'Training')));
} else if (kind === 'skip-sensitivity') {
  const cells: SensitivityCell[] = [];
  for (const file of arg('--result').split(',')) {
    const result = JSON.parse(await readFile(file, 'utf8')) as { cells: SensitivityCell[] };
    for (const cell of result.cells)
      if (!cells.some((c) => c.stage === cell.stage && c.k === cell.k)) cells.push(cell);
  }
  svg = renderSvg(skipSensitivityOption(cells, arg('--title', 'Skip sensitivity per stage')));
} else {
  throw new Error(`chart: unknown kind ${kind ?? '(none)'}; use training or skip-sensitivity`);
}
await writeFileAtomic(out, svg);
console.log(`wrote ${out}`);
