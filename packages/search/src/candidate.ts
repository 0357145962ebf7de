import type { EarlyExitSettings } from '@litestage/profile';

/** One configuration the search tries: per stage, how many ranked sub-layers to skip and the early-exit threshold. */
export interface Candidate {
  /** Stage name -> number of sub-layers skipped, from the top of the stage's ranking. */
  readonly budgets: Readonly<Record<string, number>>;
  /** Stage name -> early-exit threshold, or null for no early exit. */
  readonly thresholds: Readonly<Record<string, number | null>>;
}

/** What one question scored under one candidate. */
export interface QuestionScore {
  readonly correct: boolean;
  /** Per stage: tokens fed as the stage's prompt and tokens generated. */
  readonly stages: Readonly<
    Record<
      string,
      { readonly prefillTokens: number; readonly generatedTokens: number; readonly ms: number }
    >
  >;
  /** Wall-clock time of the whole question, as measured by the evaluator. */
  readonly ms: number;
}

/** Stable text of a candidate, for caching (stage order fixed by `stages`). */
export function candidateKey(candidate: Candidate, stages: readonly string[]): string {
  return stages
    .map((s) => `${s}:${candidate.budgets[s] ?? 0}:${candidate.thresholds[s] ?? '-'}`)
    .join('|');
}

/**
 * Stable text of what an evaluation runs: per stage, the skipped sub-layers and the
 * threshold. Candidates of different rankings that skip the same sub-layers share it; the
 * same budgets over different rankings do not.
 */
export function skipSetKey(
  stages: readonly string[],
  candidate: Candidate,
  skip: Readonly<Record<string, readonly string[]>>,
): string {
  return stages
    .map((s) => `${s}:${(skip[s] ?? []).join(',')}:${candidate.thresholds[s] ?? '-'}`)
    .join('|');
}

export interface EarlyExitShape {
  readonly confidence: EarlyExitSettings['confidence'];
  readonly window: number;
}
