import type { CandidateEvaluation, CandidateResult } from './candidate-evaluation.js';

/**
 * Step 3: with the budgets fixed, tries every threshold of `grid` for each group of stages
 * (all stages together, or one stage at a time) and keeps the feasible one with the lowest
 * latency. Returns the best result.
 */
export async function searchThresholds(
  evaluation: CandidateEvaluation,
  start: CandidateResult,
  groups: readonly (readonly string[])[],
  grid: readonly number[],
): Promise<CandidateResult> {
  let best = start;
  for (const group of groups) {
    const current = best.candidate;
    let chosen = best;
    for (const threshold of grid) {
      const thresholds = { ...current.thresholds };
      for (const s of group) thresholds[s] = threshold;
      const result = await evaluation.evaluate(
        `threshold:${group.join('+')}`,
        { ...current, thresholds },
        true,
      );
      if (evaluation.feasible(result) && result.meanLatencyMs < chosen.meanLatencyMs)
        chosen = result;
    }
    best = chosen;
  }
  return best;
}
