import type { SearchEvaluation } from '@litestage/profile';
import { wilsonInterval } from '@litestage/tasks';
import { type Candidate, candidateKey, type QuestionScore } from './candidate.js';
import type { Evaluator } from './evaluator.js';
import type { LatencyEstimator } from './latency.js';
import type { SearchSession } from './search-session.js';
import type { PruningMode, SearchPhase, SearchProgress } from './stage-wise-search.js';

export interface CandidateResult {
  readonly candidate: Candidate;
  readonly accuracy: number;
  readonly meanLatencyMs: number;
  readonly stageLatencyMs: Record<string, number>;
  readonly tokensPerStage: Record<string, number>;
  readonly questions: number;
  readonly pruned: boolean;
}

export interface CandidateEvaluationOptions {
  readonly evaluator: Evaluator;
  readonly session: SearchSession;
  readonly latency: LatencyEstimator;
  /** The skipped sub-layers of a candidate, per stage. */
  readonly skipOf: (candidate: Candidate) => Record<string, string[]>;
  readonly pruning: PruningMode;
  readonly batchSize: number;
  readonly onProgress: ((event: SearchProgress) => void) | undefined;
}

/**
 * Evaluates candidates on the calibration questions: cached answers first, fresh ones
 * through the evaluator (in batches where it can), stopping a candidate early once it
 * cannot reach the target; every evaluation is counted and goes into the trace.
 */
export class CandidateEvaluation {
  readonly trace: SearchEvaluation[] = [];
  /** Question evaluations an exhaustive scan of the same candidates would have made. */
  exhaustive = 0;
  private target = 0;
  /** Correct answers a candidate needs on all N questions to meet the target. */
  private requiredCorrect = 0;
  private phase: { name: SearchPhase; done: number; total: number } | null = null;

  constructor(private readonly options: CandidateEvaluationOptions) {}

  /** Starts counting the candidates of a phase, `total` of them. */
  beginPhase(name: SearchPhase, total: number): void {
    this.phase = { name, done: 0, total };
    this.options.onProgress?.({ type: 'phase', phase: name, done: 0, total });
  }

  /** Sets the target accuracy (the baseline's minus epsilon) later candidates must meet. */
  setTarget(baselineAccuracy: number, epsilon: number): void {
    const N = this.options.evaluator.questionIds.length;
    this.target = baselineAccuracy - epsilon;
    this.requiredCorrect = Math.max(0, Math.ceil(this.target * N - 1e-9));
  }

  /** Whether a result meets the target; decided on counts, so float rounding never flips it. */
  feasible(result: CandidateResult): boolean {
    return !result.pruned && Math.round(result.accuracy * result.questions) >= this.requiredCorrect;
  }

  /** Evaluates one candidate; `useTarget` allows pruning against the target. */
  async evaluate(step: string, candidate: Candidate, useTarget: boolean): Promise<CandidateResult> {
    const { evaluator } = this.options;
    const N = evaluator.questionIds.length;
    this.exhaustive += N;
    const skip = this.options.skipOf(candidate);
    const { scores, correct, pruned } = await this.scoreQuestions(step, candidate, skip, useTarget);
    const result = this.resultOf(candidate, skip, scores, correct, pruned);
    const feasible = !pruned && correct >= this.requiredCorrect;
    this.trace.push({
      step,
      budgets: { ...candidate.budgets },
      thresholds: { ...candidate.thresholds },
      accuracy: result.accuracy,
      meanLatencyMs: result.meanLatencyMs,
      questions: result.questions,
      pruned,
    });
    this.options.onProgress?.({
      type: 'evaluated',
      step,
      candidate,
      accuracy: result.accuracy,
      meanLatencyMs: result.meanLatencyMs,
      questions: result.questions,
      pruned,
      feasible: useTarget ? feasible : true,
    });
    if (this.phase) {
      this.phase.done++;
      const { name, done, total } = this.phase;
      this.options.onProgress?.({ type: 'phase', phase: name, done, total });
    }
    return result;
  }

  /** Scores the questions batch by batch until done or pruned. */
  private async scoreQuestions(
    step: string,
    candidate: Candidate,
    skip: Record<string, string[]>,
    useTarget: boolean,
  ): Promise<{ scores: QuestionScore[]; correct: number; pruned: boolean }> {
    const { evaluator, session, pruning, batchSize } = this.options;
    const { state } = session;
    const questionIds = evaluator.questionIds;
    const N = questionIds.length;
    const key = candidateKey(candidate, evaluator.stages);
    const cache = state.scores[key] ?? {};
    state.scores[key] = cache;
    const scores: QuestionScore[] = [];
    let correct = 0;
    let pruned = false;
    for (let start = 0; start < N && !pruned; start += batchSize) {
      const batch = questionIds.slice(start, start + batchSize);
      const missing = batch.filter((id) => cache[id] === undefined);
      if (evaluator.evaluateMany && missing.length > 1) {
        await session.throwIfAborted();
        const fresh = await evaluator.evaluateMany(candidate, skip, missing);
        for (const [i, id] of missing.entries()) cache[id] = fresh[i] as QuestionScore;
        state.questionEvaluations += missing.length;
        await session.save();
      }
      for (const id of batch) {
        await session.throwIfAborted();
        let score = cache[id];
        const cached = score !== undefined && !missing.includes(id);
        if (!score) {
          score = await evaluator.evaluate(candidate, skip, id);
          cache[id] = score;
          state.questionEvaluations++;
          await session.save();
        }
        scores.push(score);
        if (score.correct) correct++;
        this.options.onProgress?.({
          type: 'question',
          step,
          done: scores.length,
          total: N,
          cached,
        });
      }
      const n = scores.length;
      if (useTarget && n < N && pruning !== 'none') {
        const cannotReach = correct + (N - n) < this.requiredCorrect;
        const wilsonBelow = pruning === 'wilson' && wilsonInterval(correct, n).upper < this.target;
        pruned = cannotReach || wilsonBelow;
      }
    }
    return { scores, correct, pruned };
  }

  /** Accuracy, and latency and tokens per stage averaged over the scored questions. */
  private resultOf(
    candidate: Candidate,
    skip: Record<string, string[]>,
    scores: readonly QuestionScore[],
    correct: number,
    pruned: boolean,
  ): CandidateResult {
    const stages = this.options.evaluator.stages;
    const skipped = Object.fromEntries(
      stages.map((s) => [
        s,
        {
          attn: (skip[s] ?? []).filter((id) => id.endsWith('.attn')).length,
          ffn: (skip[s] ?? []).filter((id) => id.endsWith('.ffn')).length,
        },
      ]),
    );
    const stageLatencyMs: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
    const tokensPerStage: Record<string, number> = Object.fromEntries(stages.map((s) => [s, 0]));
    for (const score of scores) {
      const perStage = this.options.latency.perStage(score, skipped);
      for (const s of stages) {
        stageLatencyMs[s] = (stageLatencyMs[s] as number) + (perStage[s] ?? 0) / scores.length;
        tokensPerStage[s] =
          (tokensPerStage[s] as number) + (score.stages[s]?.generatedTokens ?? 0) / scores.length;
      }
    }
    return {
      candidate,
      accuracy: correct / scores.length,
      meanLatencyMs: stages.reduce((sum, s) => sum + (stageLatencyMs[s] as number), 0),
      stageLatencyMs,
      tokensPerStage,
      questions: scores.length,
      pruned,
    };
  }
}
