/**
 * Draws a benchmark's result as an SVG chart.
 *
 *   node dist/chart.js training --train-log train-log.csv --eval-log eval-log.csv --out training.svg [--title ...]
 *   node dist/chart.js skip-sensitivity --result a.json[,b.json...] --out skip.svg [--title ...]
 *   node dist/chart.js search --profile profile.json --out search.svg [--title ...]
 *
 * `skip-sensitivity` takes the `--out` files of one or more `skip-sensitivity.js` runs (for
 * example one per stage, run in parallel) and draws every stage they measured.
 */
import { readFile } from 'node:fs/promises';
import { parseProfile } from '@litestage/profile';
import { writeFileAtomic } from '@litestage/tasks/node';
import {
  parseNumericCsv,
  renderSvg,
  type SearchTraceStep,
  type SensitivityCell,
  searchTraceOption,
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
} else if (kind === 'search') {
  const file = arg('--profile');
  const profile = parseProfile(await readFile(file, 'utf8'), { source: file });
  const provenance = profile.provenance;
  if (!provenance?.trace) throw new Error(`${file} has no search trace in its provenance`);
  const trace = provenance.trace as SearchTraceStep[];
  const chosen = {
    step: 'chosen',
    accuracy: provenance.result.accuracy,
    meanLatencyMs: provenance.result.meanLatencyMs,
    pruned: false,
  };
  const target = {
    baselineAccuracy: provenance.baseline.accuracy,
    epsilon: provenance.epsilon,
    chosen,
  };
  svg = renderSvg(
    searchTraceOption(trace, target, arg('--title', 'Search: accuracy against speedup')),
  );
} else {
  throw new Error(
    `chart: unknown kind ${kind ?? '(none)'}; use training, skip-sensitivity or search`,
  );
}
await writeFileAtomic(out, svg);
console.log(`wrote ${out}`);
