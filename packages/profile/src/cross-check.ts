import type { ProfileIssue } from './profile-error.js';
import { formatJsonPath } from './profile-error.js';
import { SUB_LAYER_ID_PATTERN } from './sub-layer-id.js';

/**
 * The rules JSON Schema cannot express, checked on the raw document. It runs even when
 * the structural parse failed, so one report lists every problem; anything of the wrong
 * shape here is skipped (the structural parse reports it).
 */
export function crossCheckProfile(doc: unknown): ProfileIssue[] {
  const issues: ProfileIssue[] = [];
  if (!isRecord(doc)) return issues;
  const report = (path: PropertyKey[], message: string) =>
    issues.push({ path: formatJsonPath(path), message });

  const model = isRecord(doc.model) ? doc.model : undefined;
  const numLayers =
    model && Number.isInteger(model.numLayers) && (model.numLayers as number) >= 1
      ? (model.numLayers as number)
      : undefined;

  const task = isRecord(doc.task) ? doc.task : undefined;
  const rawStages: unknown[] | undefined = Array.isArray(task?.stages) ? task.stages : undefined;
  const taskStages = rawStages?.filter((s): s is string => typeof s === 'string');

  if (rawStages) {
    const seen = new Set<string>();
    rawStages.forEach((name, index) => {
      if (typeof name !== 'string') return;
      if (seen.has(name)) report(['task', 'stages', index], `stage "${name}" is listed twice`);
      seen.add(name);
    });
  }
  const stageList = taskStages ? taskStages.join(', ') : '';

  const unknownStageKeys = (record: unknown, path: PropertyKey[]): PropertyKey[][] => {
    if (!taskStages || taskStages.length === 0 || !isRecord(record)) return [];
    return Object.keys(record)
      .filter((name) => !taskStages.includes(name))
      .map((name) => [...path, name]);
  };
  const unknownStage = (name: string) =>
    `unknown stage "${name}"; the task's stages are ${stageList}`;

  const checkSubLayerIds = (ids: unknown, path: PropertyKey[], what: string) => {
    if (!Array.isArray(ids)) return;
    const seen = new Map<string, number>();
    ids.forEach((id, index) => {
      if (typeof id !== 'string') return;
      const match = SUB_LAYER_ID_PATTERN.exec(id);
      if (!match) return;
      const layer = Number(match[1]);
      if (numLayers !== undefined && layer >= numLayers) {
        report(
          [...path, index],
          `sub-layer "${id}" is beyond the model's ${numLayers} layers (0..${numLayers - 1})`,
        );
      }
      const first = seen.get(id);
      if (first !== undefined) {
        report([...path, index], `${what} "${id}" repeats ${formatJsonPath([...path, first])}`);
      } else seen.set(id, index);
    });
  };

  // stages: keyed by the task's stage names, every one of them present.
  const stages = isRecord(doc.stages) ? doc.stages : undefined;
  if (stages) {
    for (const path of unknownStageKeys(stages, ['stages'])) {
      report(path, unknownStage(String(path.at(-1))));
    }
    for (const name of taskStages ?? []) {
      if (!(name in stages)) {
        report(['stages', name], `missing settings for stage "${name}" named in task.stages`);
      }
    }
    for (const [name, settings] of Object.entries(stages)) {
      if (!isRecord(settings)) continue;
      checkSubLayerIds(settings.skip, ['stages', name, 'skip'], 'skipped sub-layer');
      const exit = settings.earlyExit;
      if (
        isRecord(exit) &&
        exit.confidence === 'maxProb' &&
        typeof exit.threshold === 'number' &&
        (exit.threshold < 0 || exit.threshold > 1)
      ) {
        report(
          ['stages', name, 'earlyExit', 'threshold'],
          `a maxProb threshold is a probability in [0, 1], got ${exit.threshold}`,
        );
      }
    }
  }

  // provenance: ranking ids in range and unique; stage-keyed figures name real stages.
  const provenance = isRecord(doc.provenance) ? doc.provenance : undefined;
  if (provenance) {
    const ranking = isRecord(provenance.ranking) ? provenance.ranking : undefined;
    if (ranking && Array.isArray(ranking.entries)) {
      const ids = ranking.entries.map((e) => (isRecord(e) ? e.id : undefined));
      const before = issues.length;
      checkSubLayerIds(ids, ['provenance', 'ranking', 'entries'], 'ranked sub-layer');
      // Point at the id field itself rather than the entry.
      for (let i = before; i < issues.length; i++) {
        const issue = issues[i] as ProfileIssue;
        issues[i] = { ...issue, path: issue.path.replace(/(\[\d+\])$/, '$1.id') };
      }
    }
    const unknown: PropertyKey[][] = [];
    for (const figures of ['baseline', 'result'] as const) {
      const block = provenance[figures];
      if (isRecord(block)) {
        unknown.push(
          ...unknownStageKeys(block.tokensPerStage, ['provenance', figures, 'tokensPerStage']),
        );
      }
    }
    if (Array.isArray(provenance.trace)) {
      provenance.trace.forEach((evaluation, index) => {
        if (!isRecord(evaluation)) return;
        const at = ['provenance', 'trace', index];
        unknown.push(...unknownStageKeys(evaluation.budgets, [...at, 'budgets']));
        unknown.push(...unknownStageKeys(evaluation.thresholds, [...at, 'thresholds']));
      });
    }
    reportOncePerStage(unknown, (path, message) => report(path, message), unknownStage);
  }
  return issues;
}

/**
 * A stage name the task does not know usually recurs in every evaluation of the trace (a
 * renamed stage): one issue per name, at its first place, counting the others, keeps the
 * cause readable instead of burying it under a hundred copies.
 */
function reportOncePerStage(
  paths: readonly PropertyKey[][],
  report: (path: PropertyKey[], message: string) => void,
  unknownStage: (name: string) => string,
): void {
  const byName = new Map<string, PropertyKey[][]>();
  for (const path of paths) {
    const name = String(path.at(-1));
    byName.set(name, [...(byName.get(name) ?? []), path]);
  }
  for (const [name, [first, ...others]] of byName) {
    const more =
      others.length === 0
        ? ''
        : ` (also in ${others.length} more ${others.length === 1 ? 'place' : 'places'} of provenance)`;
    report(first as PropertyKey[], `${unknownStage(name)}${more}`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
