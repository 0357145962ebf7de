import type { Candidate } from './candidate.js';
import type { CandidateEvaluation, CandidateResult } from './candidate-evaluation.js';
import type { SearchProgress } from './stage-wise-search.js';

/** Stages from the slowest to the fastest at full depth (ties: the format's order). */
export function slowestStagesFirst(stages: readonly string[], baseline: CandidateResult): string[] {
  return [...stages].sort(
    (a, b) =>
      (baseline.stageLatencyMs[b] as number) - (baseline.stageLatencyMs[a] as number) ||
      stages.indexOf(a) - stages.indexOf(b),
  );
}

/**
 * Step 2: stage by stage in `order`, tries budgets 1..maxBudget with the other stages fixed
 * and keeps the feasible one with the lowest latency (latency is not monotone in the
 * budget: a model that skips too much rambles). Returns the best result so far.
 */
export async function searchBudgets(
  evaluation: CandidateEvaluation,
  start: CandidateResult,
  order: readonly string[],
  maxBudget: number,
  onProgress: ((event: SearchProgress) => void) | undefined,
): Promise<CandidateResult> {
  let best = start;
  for (const stage of order) {
    const current = best.candidate;
    let chosen = best;
    for (let k = 1; k <= maxBudget; k++) {
      const candidate: Candidate = { ...current, budgets: { ...current.budgets, [stage]: k } };
      const result = await evaluation.evaluate(`budget:${stage}`, candidate, true);
      if (evaluation.feasible(result) && result.meanLatencyMs < chosen.meanLatencyMs)
        chosen = result;
    }
    best = chosen;
    onProgress?.({ type: 'decided', stage, budget: best.candidate.budgets[stage] ?? 0 });
  }
  return best;
}

/**
 * Step 2 without stages: tries one budget for every stage, `step`, `2 * step`, ... up to
 * `maxBudget`, and keeps the feasible one with the lowest latency.
 */
export async function searchUniformBudget(
  evaluation: CandidateEvaluation,
  start: CandidateResult,
  stages: readonly string[],
  { maxBudget, step }: { readonly maxBudget: number; readonly step: number },
  onProgress: ((event: SearchProgress) => void) | undefined,
): Promise<CandidateResult> {
  let chosen = start;
  for (let k = step; k <= maxBudget; k += step) {
    const candidate: Candidate = {
      ...start.candidate,
      budgets: Object.fromEntries(stages.map((s) => [s, k])),
    };
    const result = await evaluation.evaluate('budget:uniform', candidate, true);
    if (evaluation.feasible(result) && result.meanLatencyMs < chosen.meanLatencyMs) chosen = result;
  }
  for (const stage of stages)
    onProgress?.({ type: 'decided', stage, budget: chosen.candidate.budgets[stage] ?? 0 });
  return chosen;
}
