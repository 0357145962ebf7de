import type { Profile } from '@litestage/profile';
import { searchBudgets, searchUniformBudget, slowestStagesFirst } from './budget-search.js';
import type { Candidate, EarlyExitShape } from './candidate.js';
import { CandidateEvaluation, type CandidateResult } from './candidate-evaluation.js';
import type { Evaluator } from './evaluator.js';
import { type LatencyEstimator, type LatencyModel, modelLatency } from './latency.js';
import { type Ranking, type RankingOptions, rankSubLayers } from './ranking.js';
import {
  type CheckpointStore,
  checkSameInputs,
  type SearchCheckpoint,
  type SearchInputs,
} from './search-checkpoint.js';
import { searchedProfile } from './search-provenance.js';
import { SearchSession } from './search-session.js';
import { searchThresholds } from './threshold-search.js';

export type { CandidateResult } from './candidate-evaluation.js';

export type PruningMode = 'wilson' | 'exact' | 'none';
export type BudgetMode = 'stage-wise' | 'uniform';

export interface SearchOptions {
  /** Allowed accuracy drop below the full model, in absolute points (default 0.04). */
  readonly epsilon?: number;
  /** Largest budget tried per stage (default: all 2L sub-layers). */
  readonly maxBudget?: number;
  /** Rank per stage instead of one ranking accumulated over stages. */
  readonly perStageRanking?: boolean;
  /**
   * Step 2: `stage-wise` (LiteStage's, the default) fixes a budget per stage, slowest stage
   * first; `uniform` tries one budget for all stages (stage-agnostic skipping).
   */
  readonly budgets?: BudgetMode;
  /** Budgets tried go up in steps of this many sub-layers (2: whole layers; default 1). */
  readonly budgetStep?: number;
  /** The strategy this search runs for, written to the profile's provenance. */
  readonly strategy?: string;
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
  | { readonly type: 'decided'; readonly stage: string; readonly budget: number }
  /** How far the current phase is: questions ranked, models measured, candidates evaluated. */
  | {
      readonly type: 'phase';
      readonly phase: SearchPhase;
      readonly done: number;
      readonly total: number;
    }
  /** The search continues from a checkpoint holding `cachedEvaluations` question evaluations. */
  | {
      readonly type: 'resumed';
      readonly cachedEvaluations: number;
      /** What an exhaustive scan of every candidate would evaluate. */
      readonly exhaustiveEvaluations: number;
    };

/** The search's phases, in order; a resumed search skips what its checkpoint holds. */
export type SearchPhase = 'ranking' | 'latency-model' | 'baseline' | 'budgets' | 'thresholds';

/** What the search needs to write the profile besides its own findings. */
export interface ProfileTemplate {
  /** The full-depth profile of this model and format (model identity, task, maxNewTokens, runtime). */
  readonly base: Profile;
  readonly calibrationId: string;
  readonly searcher: { readonly name: string; readonly version: string };
  readonly environment: NonNullable<Profile['provenance']>['environment'];
}

export interface SearchResult {
  readonly profile: Profile;
  readonly baseline: CandidateResult;
  readonly best: CandidateResult;
  readonly ranking: Ranking;
  /** Question evaluations made for this profile, in this run and before it (resumed). */
  readonly questionEvaluations: number;
  /** Of those, the ones the checkpoint held when this run started. */
  readonly resumedEvaluations: number;
  readonly exhaustiveQuestionEvaluations: number;
}

const DEFAULT_THRESHOLDS = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7];

/** The early-exit shape step 3 tunes when the options name none: max probability over 4 tokens. */
export const DEFAULT_EARLY_EXIT: EarlyExitShape = { confidence: 'maxProb', window: 4 };

/** The options with their defaults filled in, as the checkpoint records them. */
interface SearchSettings {
  readonly epsilon: number;
  readonly maxBudget: number;
  readonly pruning: PruningMode;
  readonly batchSize: number;
  readonly earlyExit: EarlyExitShape | null;
  readonly grid: readonly number[];
  readonly budgets: BudgetMode;
  readonly budgetStep: number;
}

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
  if (evaluator.questionIds.length === 0)
    throw new RangeError('the search needs calibration questions');
  const settings = settingsOf(evaluator, options);
  const inputs = searchInputsOf(evaluator, template, options, settings);
  const state = await restoreState(inputs, options);
  const resumedEvaluations = cachedEvaluationsOf(state);
  if (state.ranking || resumedEvaluations > 0) {
    options.onProgress?.({
      type: 'resumed',
      cachedEvaluations: resumedEvaluations,
      exhaustiveEvaluations: exhaustiveEvaluationsOf(evaluator, settings, options),
    });
  }
  const latency = await latencyOf(state, template, options);
  const session = new SearchSession(state, options.checkpoint, options.signal);
  try {
    return await runSearch(evaluator, template, options, settings, session, latency, {
      resumedEvaluations,
    });
  } catch (error) {
    // Whatever stopped the search (an evaluator that failed, a lost connection), what it
    // had learnt is kept for the rerun; a save that fails too must not hide the cause.
    await session.save(true).catch(() => {});
    throw error;
  }
}

async function runSearch(
  evaluator: Evaluator,
  template: ProfileTemplate,
  options: SearchOptions,
  settings: SearchSettings,
  session: SearchSession,
  latency: LatencyEstimator,
  { resumedEvaluations }: { resumedEvaluations: number },
): Promise<SearchResult> {
  const { stages } = evaluator;
  const ranking = await rankingOf(session, evaluator, options);
  const skipOf = skipSetsOf(stages, ranking, Boolean(options.perStageRanking));
  const evaluation = new CandidateEvaluation({
    evaluator,
    session,
    latency,
    skipOf,
    pruning: settings.pruning,
    batchSize: settings.batchSize,
    onProgress: options.onProgress,
  });

  evaluation.beginPhase('baseline', 1);
  const baseline = await evaluateBaseline(evaluation, stages);
  evaluation.setTarget(baseline.accuracy, settings.epsilon);
  const order = slowestStagesFirst(stages, baseline);
  let best: CandidateResult;
  if (settings.budgets === 'uniform') {
    evaluation.beginPhase('budgets', Math.floor(settings.maxBudget / settings.budgetStep));
    best = await searchUniformBudget(
      evaluation,
      baseline,
      stages,
      { maxBudget: settings.maxBudget, step: settings.budgetStep },
      options.onProgress,
    );
  } else {
    evaluation.beginPhase('budgets', order.length * settings.maxBudget);
    best = await searchBudgets(evaluation, baseline, order, settings.maxBudget, options.onProgress);
  }
  if (settings.earlyExit) {
    const groups = thresholdGroupsOf(order, stages, options);
    evaluation.beginPhase('thresholds', groups.length * settings.grid.length);
    best = await searchThresholds(evaluation, best, groups, settings.grid);
  }
  await session.save(true);

  const profile = searchedProfile(template, {
    stages,
    skip: skipOf(best.candidate),
    chosen: best.candidate,
    earlyExit: settings.earlyExit,
    baseline,
    best,
    ranking,
    epsilon: settings.epsilon,
    latency,
    trace: evaluation.trace,
    state: session.state,
    exhaustiveQuestionEvaluations: evaluation.exhaustive,
    distribution: evaluator.distribution?.() ?? { mode: 'in-process', workers: 1 },
    ...(options.strategy === undefined ? {} : { strategy: options.strategy }),
  });
  return {
    profile,
    baseline,
    best,
    ranking,
    questionEvaluations: session.state.questionEvaluations,
    resumedEvaluations,
    exhaustiveQuestionEvaluations: evaluation.exhaustive,
  };
}

function settingsOf(evaluator: Evaluator, options: SearchOptions): SearchSettings {
  const allSubLayers = 2 * evaluator.numLayers;
  return {
    epsilon: options.epsilon ?? 0.04,
    maxBudget: Math.min(options.maxBudget ?? allSubLayers, allSubLayers),
    pruning: options.pruning ?? 'wilson',
    batchSize: options.batchSize ?? 20,
    earlyExit: options.earlyExit === undefined ? DEFAULT_EARLY_EXIT : options.earlyExit,
    grid: options.thresholdGrid ?? DEFAULT_THRESHOLDS,
    budgets: options.budgets ?? 'stage-wise',
    budgetStep: budgetStepOf(options.budgetStep),
  };
}

function budgetStepOf(step: number | undefined): number {
  if (step === undefined) return 1;
  if (!Number.isInteger(step) || step < 1)
    throw new RangeError(`budgetStep must be a positive integer, got ${step}`);
  return step;
}

/** Stages tuned together in step 3: all at once, or one at a time, slowest first. */
function thresholdGroupsOf(
  order: readonly string[],
  stages: readonly string[],
  options: SearchOptions,
): (readonly string[])[] {
  return options.perStageThresholds ? order.map((s) => [s]) : [stages];
}

/** Question evaluations of every candidate the three steps can try, none pruned. */
function exhaustiveEvaluationsOf(
  evaluator: Evaluator,
  settings: SearchSettings,
  options: SearchOptions,
): number {
  const { stages } = evaluator;
  const groups = thresholdGroupsOf(stages, stages, options).length;
  const budgetCandidates =
    settings.budgets === 'uniform'
      ? Math.floor(settings.maxBudget / settings.budgetStep)
      : stages.length * settings.maxBudget;
  const candidates =
    1 + budgetCandidates + (settings.earlyExit ? groups * settings.grid.length : 0);
  return candidates * evaluator.questionIds.length;
}

/** Question scores a checkpoint holds. */
function cachedEvaluationsOf(state: SearchCheckpoint): number {
  return Object.values(state.scores).reduce(
    (sum, byQuestion) => sum + Object.keys(byQuestion).length,
    0,
  );
}

/** What a checkpoint must match to be reused: model, stages, questions and every option. */
function searchInputsOf(
  evaluator: Evaluator,
  template: ProfileTemplate,
  options: SearchOptions,
  settings: SearchSettings,
): SearchInputs {
  return {
    fingerprint: template.base.model.fingerprint,
    stages: evaluator.stages,
    questionIds: evaluator.questionIds,
    options: {
      epsilon: settings.epsilon,
      maxBudget: settings.maxBudget,
      perStageRanking: Boolean(options.perStageRanking),
      ranking: {
        metric: options.ranking?.metric?.name ?? 'cosine',
        tokenReduction: options.ranking?.tokenReduction ?? 'mean',
        stageReduction: options.ranking?.stageReduction ?? 'sum',
        // Only when set, so checkpoints of prefill-ranked searches stay valid.
        ...(options.ranking?.tokens && options.ranking.tokens !== 'prefill'
          ? { tokens: options.ranking.tokens }
          : {}),
      },
      earlyExit: settings.earlyExit,
      grid: [...settings.grid],
      perStageThresholds: Boolean(options.perStageThresholds),
      ...(settings.budgets === 'stage-wise' ? {} : { budgets: settings.budgets }),
      ...(settings.budgetStep === 1 ? {} : { budgetStep: settings.budgetStep }),
      pruning: settings.pruning,
      batchSize: settings.batchSize,
      latency: options.latency.method,
      kvPolicy: template.base.runtime.kvPolicy,
      skipInPrefill: template.base.runtime.skipInPrefill,
    },
  };
}

/** The checkpoint's state if it holds one for these inputs, else a fresh one. */
async function restoreState(
  inputs: SearchInputs,
  options: SearchOptions,
): Promise<SearchCheckpoint> {
  const saved = await options.checkpoint?.load();
  if (saved) {
    checkSameInputs(saved.inputs, inputs, options.checkpoint?.location ?? 'the checkpoint');
    return saved;
  }
  return {
    format: 'litestage-search-checkpoint',
    version: 1,
    inputs,
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    questionEvaluations: 0,
    ranking: null,
    scores: {},
  };
}

/** The latency estimator; a latency model is measured once and kept in the checkpoint. */
async function latencyOf(
  state: SearchCheckpoint,
  template: ProfileTemplate,
  options: SearchOptions,
): Promise<LatencyEstimator> {
  if ('perStage' in options.latency) return options.latency;
  let model = state.latencyModel;
  if (!model) {
    options.onProgress?.({ type: 'phase', phase: 'latency-model', done: 0, total: 1 });
    model = await options.latency.measure();
    options.onProgress?.({ type: 'phase', phase: 'latency-model', done: 1, total: 1 });
  }
  state.latencyModel = model;
  return modelLatency(model, { skipInPrefill: template.base.runtime.skipInPrefill });
}

/** Step 1: the redundancy ranking, computed once and kept in the checkpoint. */
async function rankingOf(
  session: SearchSession,
  evaluator: Evaluator,
  options: SearchOptions,
): Promise<Ranking> {
  const { state } = session;
  if (!state.ranking) {
    const total = evaluator.questionIds.length;
    options.onProgress?.({ type: 'phase', phase: 'ranking', done: 0, total });
    state.ranking = await rankSubLayers(
      evaluator,
      evaluator.questionIds,
      options.ranking,
      (done) => {
        options.onProgress?.({ type: 'ranking', done, total });
        options.onProgress?.({ type: 'phase', phase: 'ranking', done, total });
      },
    );
    await session.save(true);
  }
  return state.ranking;
}

/** A candidate's skipped sub-layers per stage: the top of the stage's ranking. */
function skipSetsOf(
  stages: readonly string[],
  ranking: Ranking,
  perStageRanking: boolean,
): (candidate: Candidate) => Record<string, string[]> {
  const rankFor = (stage: string) =>
    perStageRanking ? (ranking.perStage[stage] ?? ranking.global) : ranking.global;
  return (candidate) =>
    Object.fromEntries(
      stages.map((s) => [
        s,
        rankFor(s)
          .slice(0, candidate.budgets[s] ?? 0)
          .map((r) => r.id),
      ]),
    );
}

/** The full model: nothing skipped, no early exit. */
function evaluateBaseline(
  evaluation: CandidateEvaluation,
  stages: readonly string[],
): Promise<CandidateResult> {
  const fullDepth: Candidate = {
    budgets: Object.fromEntries(stages.map((s) => [s, 0])),
    thresholds: Object.fromEntries(stages.map((s) => [s, null])),
  };
  return evaluation.evaluate('baseline', fullDepth, false);
}
