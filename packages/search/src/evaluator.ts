import type { Candidate, QuestionScore } from './candidate.js';

/** Per stage and sub-layer, the redundancy measured at one question's prefill. */
export interface StageCosines {
  /** `[layer][token]`. */
  readonly attn: readonly ArrayLike<number>[];
  readonly ffn: readonly ArrayLike<number>[];
  /** The same over the stage's decode steps, when asked for (`{ decode: true }`). */
  readonly decode?: {
    readonly attn: readonly ArrayLike<number>[];
    readonly ffn: readonly ArrayLike<number>[];
  };
}

/** What `Evaluator.cosines` measures besides the prefill's cosines. */
export interface CosineRequest {
  /** Also the cosines of every decode step (a slower run: the search graph at each token). */
  readonly decode?: boolean;
}

/**
 * What the search evaluates candidates with: a task, a model on a backend and calibration
 * questions. The engine-backed `EngineEvaluator` is the real one; tests use fakes.
 * Evaluations must be deterministic (greedy decoding) so results can be cached.
 */
export interface Evaluator {
  readonly stages: readonly string[];
  readonly numLayers: number;
  /** Calibration question ids, in the order the search evaluates them. */
  readonly questionIds: readonly string[];
  /** Runs one question under a candidate, with the sub-layers the candidate skips per stage. */
  evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionId: string,
  ): Promise<QuestionScore>;
  /**
   * Runs several questions under one candidate, in any order or in parallel (worker
   * processes); results come back in the order of `questionIds`. Optional: the search
   * falls back to `evaluate` one question at a time.
   */
  evaluateMany?(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionIds: readonly string[],
  ): Promise<QuestionScore[]>;
  /** The full model's cosines at each stage's prefill (and decode steps, if asked) for one question. */
  cosines(
    questionId: string,
    request?: CosineRequest,
  ): Promise<Readonly<Record<string, StageCosines>>>;
  /**
   * Where the evaluations ran, for the profile's provenance (read when the search ends).
   * Optional: an evaluator without it ran in the searching process.
   */
  distribution?(): EvaluationDistribution;
}

/** Where a search's question evaluations ran: this process, worker threads, or a job queue. */
export interface EvaluationDistribution {
  readonly mode: 'in-process' | 'threads' | 'queue';
  /** Processes or threads that answered questions. */
  readonly workers: number;
}
