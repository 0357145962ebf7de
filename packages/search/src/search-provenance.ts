import type { Profile, SearchEvaluation } from '@litestage/profile';
import { parseProfile } from '@litestage/profile';
import type { Candidate, EarlyExitShape } from './candidate.js';
import type { CandidateResult } from './candidate-evaluation.js';
import type { EvaluationDistribution } from './evaluator.js';
import type { LatencyEstimator } from './latency.js';
import type { Ranking } from './ranking.js';
import type { SearchCheckpoint } from './search-checkpoint.js';
import type { ProfileTemplate } from './stage-wise-search.js';

export interface SearchFindings {
  readonly stages: readonly string[];
  /** The chosen candidate's skipped sub-layers per stage. */
  readonly skip: Readonly<Record<string, readonly string[]>>;
  readonly chosen: Candidate;
  readonly earlyExit: EarlyExitShape | null;
  readonly baseline: CandidateResult;
  readonly best: CandidateResult;
  readonly ranking: Ranking;
  readonly epsilon: number;
  readonly latency: LatencyEstimator;
  readonly trace: readonly SearchEvaluation[];
  readonly state: SearchCheckpoint;
  readonly exhaustiveQuestionEvaluations: number;
  readonly distribution: EvaluationDistribution;
  /** The search strategy's name, when the search ran for one. */
  readonly strategy?: string;
}

/** The profile the search found, with its provenance, validated. */
export function searchedProfile(template: ProfileTemplate, findings: SearchFindings): Profile {
  const { base } = template;
  const { stages, chosen, earlyExit, baseline, best, ranking, state } = findings;
  const figures = (r: CandidateResult) => ({
    accuracy: r.accuracy,
    meanLatencyMs: r.meanLatencyMs,
    tokensPerStage: r.tokensPerStage,
  });
  return parseProfile({
    ...base,
    stages: Object.fromEntries(
      stages.map((s) => {
        const threshold = chosen.thresholds[s];
        return [
          s,
          {
            ...(base.stages[s] as Profile['stages'][string]),
            skip: findings.skip[s],
            earlyExit:
              threshold === null || threshold === undefined || !earlyExit
                ? null
                : { ...earlyExit, threshold },
          },
        ];
      }),
    ),
    provenance: {
      createdAt: state.createdAt,
      searcher: template.searcher,
      ranking: {
        metric: ranking.metric,
        tokenReduction: ranking.tokenReduction,
        stageReduction: ranking.stageReduction,
        ...(ranking.tokens ? { tokens: ranking.tokens } : {}),
        entries: ranking.global,
      },
      calibration: { id: template.calibrationId, size: state.inputs.questionIds.length },
      epsilon: findings.epsilon,
      latencyMethod: findings.latency.method,
      baseline: figures(baseline),
      result: figures(best),
      speedup: best.meanLatencyMs > 0 ? baseline.meanLatencyMs / best.meanLatencyMs : 1,
      trace: findings.trace,
      cost: {
        questionEvaluations: state.questionEvaluations,
        exhaustiveQuestionEvaluations: findings.exhaustiveQuestionEvaluations,
      },
      evaluation: { ...findings.distribution },
      ...(findings.strategy === undefined ? {} : { strategy: findings.strategy }),
      environment: template.environment,
    },
  });
}
