import { type Candidate, type QuestionScore, skipSetKey } from './candidate.js';
import type {
  CosineRequest,
  EvaluationDistribution,
  Evaluator,
  StageCosines,
} from './evaluator.js';

/** Where shared evaluations are kept between runs (a JSONL file in Node; memory in tests). */
export interface EvaluationStore {
  /** Every score saved so far: `what` (the skip sets and thresholds) -> question id -> score. */
  load(): Promise<Map<string, Map<string, QuestionScore>>>;
  /** Keeps one more score. */
  append(what: string, questionId: string, score: QuestionScore): Promise<void>;
}

/**
 * Lets several searches on one model and one set of calibration questions (the strategies
 * of `litestage bench`) share their evaluations: a question run under the same skip sets
 * and early-exit thresholds is answered once, whichever candidate or strategy asked, and
 * the full model's cosines are measured once per question. Answers are deterministic
 * (greedy decoding), so a shared answer is the answer. A store holds no model identity, KV
 * policy or early-exit shape: keep one per evaluator configuration (`litestage bench` keeps
 * it in its `--out`, which refuses other inputs).
 */
export class SharedEvaluations implements Evaluator {
  readonly stages: readonly string[];
  readonly numLayers: number;
  readonly questionIds: readonly string[];
  /** Question evaluations answered from the store rather than by the model. */
  shared = 0;
  private scores = new Map<string, Map<string, QuestionScore>>();
  private readonly cosineRuns = new Map<string, Promise<Readonly<Record<string, StageCosines>>>>();

  private constructor(
    private readonly inner: Evaluator,
    private readonly store: EvaluationStore | null,
  ) {
    this.stages = inner.stages;
    this.numLayers = inner.numLayers;
    this.questionIds = inner.questionIds;
    if (inner.evaluateMany) this.evaluateMany = (c, skip, ids) => this.answer(c, skip, ids);
  }

  /** Wraps `inner`, starting from what `store` holds. */
  static async open(
    inner: Evaluator,
    store: EvaluationStore | null = null,
  ): Promise<SharedEvaluations> {
    const shared = new SharedEvaluations(inner, store);
    if (store) shared.scores = await store.load();
    return shared;
  }

  /** What an evaluation depends on: per stage, the skipped sub-layers and the threshold. */
  whatOf(candidate: Candidate, skip: Readonly<Record<string, readonly string[]>>): string {
    return skipSetKey(this.stages, candidate, skip);
  }

  /**
   * Present when the inner evaluator has it (worker threads, a queue): a batch goes there
   * in one call. Otherwise questions run one at a time, each stored as soon as it is
   * answered, so an interrupted search loses at most the question it was on.
   */
  readonly evaluateMany?: (
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionIds: readonly string[],
  ) => Promise<QuestionScore[]>;

  async evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionId: string,
  ): Promise<QuestionScore> {
    const [score] = await this.answer(candidate, skip, [questionId]);
    return score as QuestionScore;
  }

  private async answer(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionIds: readonly string[],
  ): Promise<QuestionScore[]> {
    const what = this.whatOf(candidate, skip);
    const known = this.scores.get(what) ?? new Map<string, QuestionScore>();
    this.scores.set(what, known);
    const missing = questionIds.filter((id) => !known.has(id));
    this.shared += questionIds.length - missing.length;
    const keep = async (id: string, score: QuestionScore) => {
      known.set(id, score);
      await this.store?.append(what, id, score);
    };
    if (missing.length > 1 && this.inner.evaluateMany) {
      const fresh = await this.inner.evaluateMany(candidate, skip, missing);
      for (const [i, id] of missing.entries()) await keep(id, fresh[i] as QuestionScore);
    } else {
      for (const id of missing) await keep(id, await this.inner.evaluate(candidate, skip, id));
    }
    return questionIds.map((id) => known.get(id) as QuestionScore);
  }

  cosines(
    questionId: string,
    request: CosineRequest = {},
  ): Promise<Readonly<Record<string, StageCosines>>> {
    // A run with decode cosines has the prefill's too, so it serves both kinds of request.
    const decodeKey = `${questionId}\u0000decode`;
    const existing =
      this.cosineRuns.get(decodeKey) ??
      (request.decode ? undefined : this.cosineRuns.get(questionId));
    if (existing) return existing;
    const run = this.inner.cosines(questionId, request);
    this.cosineRuns.set(request.decode ? decodeKey : questionId, run);
    run.catch(() => this.cosineRuns.delete(request.decode ? decodeKey : questionId));
    return run;
  }

  distribution(): EvaluationDistribution {
    return this.inner.distribution?.() ?? { mode: 'in-process', workers: 1 };
  }
}

/** Keeps shared evaluations in memory (tests, or a caller that persists them itself). */
export class MemoryEvaluationStore implements EvaluationStore {
  readonly lines: string[] = [];

  async load(): Promise<Map<string, Map<string, QuestionScore>>> {
    return parseEvaluationLines(this.lines);
  }

  async append(what: string, questionId: string, score: QuestionScore): Promise<void> {
    this.lines.push(evaluationLine(what, questionId, score));
  }
}

/** One stored evaluation as a line of JSON. */
export function evaluationLine(what: string, questionId: string, score: QuestionScore): string {
  return JSON.stringify({ what, id: questionId, score });
}

/**
 * Stored lines back as scores. A line that does not parse is dropped: the last one may have
 * been cut off when a run was killed, and its question is simply evaluated again.
 */
export function parseEvaluationLines(
  lines: readonly string[],
): Map<string, Map<string, QuestionScore>> {
  const scores = new Map<string, Map<string, QuestionScore>>();
  for (const line of lines) {
    if (line.trim() === '') continue;
    let entry: { what?: unknown; id?: unknown; score?: Partial<QuestionScore> };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    const { what, id, score } = entry;
    if (typeof what !== 'string' || typeof id !== 'string' || typeof score?.correct !== 'boolean')
      continue;
    const known = scores.get(what) ?? new Map<string, QuestionScore>();
    known.set(id, score as QuestionScore);
    scores.set(what, known);
  }
  return scores;
}
