import type { Profile, SearchEvaluation } from '@litestage/profile';
import { parseProfile } from '@litestage/profile';
import { wilsonInterval } from '@litestage/tasks';
import {
  type Candidate,
  candidateKey,
  type EarlyExitShape,
  type QuestionScore,
} from './candidate.js';
import type { Evaluator } from './evaluator.js';
import { type LatencyEstimator, type LatencyModel, modelLatency } from './latency.js';
import { type Ranking, type RankingOptions, rankSubLayers } from './ranking.js';
import {
  type CheckpointStore,
  checkSameInputs,
  type SearchCheckpoint,
  type SearchInputs,
} from './search-checkpoint.js';

export type PruningMode = 'wilson' | 'exact' | 'none';

export interface SearchOptions {
  /** Allowed accuracy drop below the full model, in absolute points (default 0.04). */
  readonly epsilon?: number;
  /** Largest budget tried per stage (default: all 2L sub-layers). */
  readonly maxBudget?: number;
  /** Rank per stage instead of one ranking accumulated over stages. */
  readonly perStageRanking?: boolean;
  readonly ranking?: RankingOptions;
  /** Early-exit shape whose threshold step 3 tunes; null skips step 3. */
  readonly earlyExit?: EarlyExitShape | null;
  /** Thresholds tried in step 3 (default for maxProb: 0.2 ... 0.7). */
  readonly thresholdGrid?: readonly number[];
  /** Tune one threshold per stage instead of one for all. */
  readonly perStageThresholds?: boolean;
  /**
   * Stop evaluating a candidate once it cannot reach the target: `wilson` when the 95%
   * Wilson interval of its accuracy so far lies wholly below the target, `exact` only when
   * even all remaining questions right would not reach it (never changes the result).
   */
  readonly pruning?: PruningMode;
  /** Questions between pruning checks (default 20). */
  readonly batchSize?: number;
  /**
   * How latency is counted: an estimator, or a latency model measured on first use (and
   * kept in the checkpoint, so a resumed search prices candidates exactly as before).
   */
  readonly latency:
    | LatencyEstimator
    | { readonly method: 'model'; measure(): Promise<LatencyModel> };
  readonly checkpoint?: CheckpointStore;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: SearchProgress) => void;
  /** The clock for `createdAt` (tests pass a fixed one). */
  readonly now?: () => Date;
}

export type SearchProgress =
  | { readonly type: 'ranking'; readonly done: number; readonly total: number }
  | {
      readonly type: 'evaluated';
      readonly step: string;
      readonly candidate: Candidate;
      readonly accuracy: number;
      readonly meanLatencyMs: number;
      readonly questions: number;
      readonly pruned: boolean;
      readonly feasible: boolean;
    }
  | {
      readonly type: 'question';
      readonly step: string;
      readonly done: number;
      readonly total: number;
      readonly cached: boolean;
    }
  | { readonly type: 'decided'; readonly stage: string; readonly budget: number };

/** What the search needs to write the profile besides its own findings. */
export interface ProfileTemplate {
  /** The full-depth profile of this model and format (model identity, task, maxNewTokens, runtime). */
  readonly base: Profile;
  readonly calibrationId: string;
  readonly searcher: { readonly name: string; readonly version: string };
  readonly environment: NonNullable<Profile['provenance']>['environment'];
}

export interface CandidateResult {
  readonly candidate: Candidate;
  readonly accuracy: number;
  readonly meanLatencyMs: number;
  readonly stageLatencyMs: Record<string, number>;
  readonly tokensPerStage: Record<string, number>;
  readonly questions: number;
  readonly pruned: boolean;
}

export interface SearchResult {
  readonly profile: Profile;
  readonly baseline: CandidateResult;
  readonly best: CandidateResult;
  readonly ranking: Ranking;
  readonly questionEvaluations: number;
  readonly exhaustiveQuestionEvaluations: number;
}

const DEFAULT_THRESHOLDS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

/**
 * LiteStage's offline search. Step 1 ranks sub-layers by redundancy; step 2 fixes, stage by
 * stage from the slowest, the skip budget with the lowest latency among those within the
 * target accuracy (full-model accuracy minus epsilon); step 3 tunes the early-exit
 * threshold the same way. Every evaluation is cached and checkpointed.
 */
export async function searchProfile(
  evaluator: Evaluator,
  template: ProfileTemplate,
  options: SearchOptions,
): Promise<SearchResult> {
  const stages = evaluator.stages;
  const questionIds = evaluator.questionIds;
  const N = questionIds.length;
  if (N === 0) throw new RangeError('the search needs calibration questions');
  const epsilon = options.epsilon ?? 0.04;
  const maxBudget = Math.min(options.maxBudget ?? 2 * evaluator.numLayers, 2 * evaluator.numLayers);
  const pruning = options.pruning ?? 'wilson';
  const batchSize = options.batchSize ?? 20;
  const earlyExit =
    options.earlyExit === undefined
      ? { confidence: 'maxProb' as const, window: 4 }
      : options.earlyExit;
  const grid = options.thresholdGrid ?? DEFAULT_THRESHOLDS;
  const inputs: SearchInputs = {
    fingerprint: template.base.model.fingerprint,
    stages,
    questionIds,
    options: {
      epsilon,
      maxBudget,
      perStageRanking: Boolean(options.perStageRanking),
      ranking: {
        metric: options.ranking?.metric?.name ?? 'cosine',
        tokenReduction: options.ranking?.tokenReduction ?? 'mean',
        stageReduction: options.ranking?.stageReduction ?? 'sum',
      },
      earlyExit,
      grid: [...grid],
      perStageThresholds: Boolean(options.perStageThresholds),
      pruning,
      batchSize,
      latency: options.latency.method,
      kvPolicy: template.base.runtime.kvPolicy,
      skipInPrefill: template.base.runtime.skipInPrefill,
    },
  };

  const saved = await options.checkpoint?.load();
  if (saved) checkSameInputs(saved.inputs, inputs, 'the checkpoint');
  const state: SearchCheckpoint = saved ?? {
    format: 'litestage-search-checkpoint',
    version: 1,
    inputs,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    questionEvaluations: 0,
    ranking: null,
    scores: {},
  };
  let latency: LatencyEstimator;
  if ('perStage' in options.latency) {
    latency = options.latency;
  } else {
    const model = state.latencyModel ?? (await options.latency.measure());
    state.latencyModel = model;
    latency = modelLatency(model, { skipInPrefill: template.base.runtime.skipInPrefill });
  }
  let lastSave = Date.now();
  const save = async (force = false) => {
    if (!options.checkpoint) return;
    if (!force && Date.now() - lastSave < 5000) return;
    await options.checkpoint.save(state);
    lastSave = Date.now();
  };
  const throwIfAborted = async () => {
    if (options.signal?.aborted) {
      await save(true);
      throw new DOMException('the search was aborted; run it again to resume', 'AbortError');
    }
  };

  // Step 1: ranking.
  if (!state.ranking) {
    state.ranking = await rankSubLayers(evaluator, questionIds, options.ranking, (done, total) =>
      options.onProgress?.({ type: 'ranking', done, total }),
    );
    await save(true);
  }
  const ranking = state.ranking;
  const rankFor = (stage: string) =>
    options.perStageRanking ? (ranking.perStage[stage] ?? ranking.global) : ranking.global;
  const skipOf = (candidate: Candidate) =>
    Object.fromEntries(
      stages.map((s) => [
        s,
        rankFor(s)
          .slice(0, candidate.budgets[s] ?? 0)
          .map((r) => r.id),
      ]),
    );

  const trace: SearchEvaluation[] = [];
  let exhaustive = 0;
  let target = 0;
  /** Correct answers a candidate needs on all N questions to meet the target. */
  let requiredCorrect = 0;

  const evaluateCandidate = async (
    step: string,
    candidate: Candidate,
    useTarget: boolean,
  ): Promise<CandidateResult> => {
    exhaustive += N;
    const key = candidateKey(candidate, stages);
    const cache = state.scores[key] ?? {};
    state.scores[key] = cache;
    const skip = skipOf(candidate);
    const skipped = Object.fromEntries(
      stages.map((s) => [
        s,
        {
          attn: (skip[s] ?? []).filter((id) => id.endsWith('.attn')).length,
          ffn: (skip[s] ?? []).filter((id) => id.endsWith('.ffn')).length,
        },
      ]),
    );
    const scores: QuestionScore[] = [];
    let correct = 0;
    let pruned = false;
    for (let start = 0; start < N && !pruned; start += batchSize) {
      const batch = questionIds.slice(start, start + batchSize);
      const missing = batch.filter((id) => cache[id] === undefined);
      if (evaluator.evaluateMany && missing.length > 1) {
        await throwIfAborted();
        const fresh = await evaluator.evaluateMany(candidate, skip, missing);
        for (const [i, id] of missing.entries()) cache[id] = fresh[i] as QuestionScore;
        state.questionEvaluations += missing.length;
        await save();
      }
      for (const id of batch) {
        await throwIfAborted();
        let score = cache[id];
        const cached = score !== undefined && !missing.includes(id);
        if (!score) {
          score = await evaluator.evaluate(candidate, skip, id);
          cache[id] = score;
          state.questionEvaluations++;
          await save();
        }
        scores.push(score);
        if (score.correct) correct++;
        options.onProgress?.({ type: 'question', step, done: scores.length, total: N, cached });
      }
      const n = scores.length;
      if (useTarget && n < N && pruning !== 'none') {
        const cannotReach = correct + (N - n) < requiredCorrect;
        const wilsonBelow = pruning === 'wilson' && wilsonInterval(correct, n).upper < target;
        pruned = cannotReach || wilsonBelow;
      }
    }
    const stageLatencyMs: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
    const tokensPerStage: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
    for (const score of scores) {
      const perStage = latency.perStage(score, skipped);
      for (const s of stages) {
        stageLatencyMs[s] = (stageLatencyMs[s] as number) + (perStage[s] ?? 0) / scores.length;
        tokensPerStage[s] =
          (tokensPerStage[s] as number) + (score.stages[s]?.generatedTokens ?? 0) / scores.length;
      }
    }
    const result: CandidateResult = {
      candidate,
      accuracy: correct / scores.length,
      meanLatencyMs: stages.reduce((sum, s) => sum + (stageLatencyMs[s] as number), 0),
      stageLatencyMs,
      tokensPerStage,
      questions: scores.length,
      pruned,
    };
    const feasible = !pruned && correct >= requiredCorrect;
    trace.push({
      step,
      budgets: { ...candidate.budgets },
      thresholds: { ...candidate.thresholds },
      accuracy: result.accuracy,
      meanLatencyMs: result.meanLatencyMs,
      questions: result.questions,
      pruned,
    });
    options.onProgress?.({
      type: 'evaluated',
      step,
      candidate,
      accuracy: result.accuracy,
      meanLatencyMs: result.meanLatencyMs,
      questions: result.questions,
      pruned,
      feasible: useTarget ? feasible : true,
    });
    return result;
  };
  // Feasibility is decided on counts, so float rounding of the target never flips it.
  const feasible = (r: CandidateResult) =>
    !r.pruned && Math.round(r.accuracy * r.questions) >= requiredCorrect;

  // Baseline: the full model.
  let current: Candidate = {
    budgets: Object.fromEntries(stages.map((s) => [s, 0])),
    thresholds: Object.fromEntries(stages.map((s) => [s, null])),
  };
  const baseline = await evaluateCandidate('baseline', current, false);
  target = baseline.accuracy - epsilon;
  requiredCorrect = Math.max(0, Math.ceil(target * N - 1e-9));
  let best = baseline;

  // Step 2: budgets, slowest stage first; the lowest latency among feasible budgets.
  const order = [...stages].sort(
    (a, b) =>
      (baseline.stageLatencyMs[b] as number) - (baseline.stageLatencyMs[a] as number) ||
      stages.indexOf(a) - stages.indexOf(b),
  );
  for (const stage of order) {
    let chosen = best;
    for (let k = 1; k <= maxBudget; k++) {
      const candidate: Candidate = { ...current, budgets: { ...current.budgets, [stage]: k } };
      const result = await evaluateCandidate(`budget:${stage}`, candidate, true);
      if (feasible(result) && result.meanLatencyMs < chosen.meanLatencyMs) chosen = result;
    }
    current = chosen.candidate;
    best = chosen;
    options.onProgress?.({ type: 'decided', stage, budget: current.budgets[stage] ?? 0 });
  }

  // Step 3: the early-exit threshold, global or per stage.
  if (earlyExit) {
    const groups = options.perStageThresholds ? order.map((s) => [s]) : [stages];
    for (const group of groups) {
      let chosen = best;
      for (const threshold of grid) {
        const thresholds = { ...current.thresholds };
        for (const s of group) thresholds[s] = threshold;
        const result = await evaluateCandidate(
          `threshold:${group.join('+')}`,
          { ...current, thresholds },
          true,
        );
        if (feasible(result) && result.meanLatencyMs < chosen.meanLatencyMs) chosen = result;
      }
      current = chosen.candidate;
      best = chosen;
    }
  }
  await save(true);

  const skip = skipOf(current);
  const base = template.base;
  const figures = (r: CandidateResult) => ({
    accuracy: r.accuracy,
    meanLatencyMs: r.meanLatencyMs,
    tokensPerStage: r.tokensPerStage,
  });
  const profile = parseProfile({
    ...base,
    stages: Object.fromEntries(
      stages.map((s) => {
        const threshold = current.thresholds[s];
        return [
          s,
          {
            ...(base.stages[s] as Profile['stages'][string]),
            skip: skip[s],
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
        entries: ranking.global,
      },
      calibration: { id: template.calibrationId, size: N },
      epsilon,
      latencyMethod: latency.method,
      baseline: figures(baseline),
      result: figures(best),
      speedup: best.meanLatencyMs > 0 ? baseline.meanLatencyMs / best.meanLatencyMs : 1,
      trace,
      cost: {
        questionEvaluations: state.questionEvaluations,
        exhaustiveQuestionEvaluations: exhaustive,
      },
      environment: template.environment,
    },
  });
  return {
    profile,
    baseline,
    best,
    ranking,
    questionEvaluations: state.questionEvaluations,
    exhaustiveQuestionEvaluations: exhaustive,
  };
}
