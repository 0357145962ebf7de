import {
  createEngine,
  type Engine,
  type EngineResult,
  type ModelSession,
  type Question,
  type TaskFormat,
  type Tokenizer,
} from '@litestage/core';
import type { Profile } from '@litestage/profile';
import {
  type Candidate,
  type EarlyExitShape,
  type QuestionScore,
  skipSetKey,
} from './candidate.js';
import type { CosineRequest, Evaluator, StageCosines } from './evaluator.js';
import { median } from './latency.js';

export interface EngineEvaluatorOptions {
  readonly session: ModelSession;
  readonly tokenizer: Tokenizer;
  readonly format: TaskFormat;
  /** The full-depth profile the candidates modify (its runtime policy and token caps are kept). */
  readonly baseProfile: Profile;
  readonly questions: readonly Question[];
  /** The early-exit shape a candidate's thresholds fill in. */
  readonly earlyExit?: EarlyExitShape | null;
  /** Runs per question, for a median wall-clock time (1 by default; the answer never changes). */
  readonly repeats?: number;
}

/**
 * Evaluates candidates by running the staged engine on the calibration questions with
 * greedy decoding, so every result is deterministic and may be cached.
 */
export class EngineEvaluator implements Evaluator {
  readonly stages: readonly string[];
  readonly numLayers: number;
  readonly questionIds: readonly string[];
  private readonly questions: Map<string, Question>;
  private readonly engines = new Map<string, Engine>();
  /** Full-depth runs made for the ranking, reused as the baseline's evaluations. */
  private readonly fullRuns = new Map<string, QuestionScore>();

  constructor(private readonly options: EngineEvaluatorOptions) {
    this.stages = options.format.stages.map((s) => s.name);
    this.numLayers = options.session.manifest.numLayers;
    this.questions = new Map(options.questions.map((q) => [q.id, q]));
    if (this.questions.size !== options.questions.length)
      throw new Error('calibration question ids must be unique');
    this.questionIds = options.questions.map((q) => q.id);
  }

  private question(id: string): Question {
    const question = this.questions.get(id);
    if (!question) throw new Error(`no calibration question "${id}"`);
    if (question.answer === undefined)
      throw new Error(`calibration question "${id}" has no gold answer`);
    return question;
  }

  private engineFor(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
  ): Engine {
    // What the engine does, not the budgets that chose it: strategies ranked differently
    // reach other skip sets with the same budgets, and may share this evaluator.
    const key = skipSetKey(this.stages, candidate, skip);
    let engine = this.engines.get(key);
    if (!engine) {
      const base = this.options.baseProfile;
      const shape = this.options.earlyExit ?? null;
      const profile: Profile = {
        ...base,
        stages: Object.fromEntries(
          this.stages.map((s) => {
            const threshold = candidate.thresholds[s];
            return [
              s,
              {
                ...(base.stages[s] as Profile['stages'][string]),
                skip: [...(skip[s] ?? [])],
                earlyExit:
                  threshold === null || threshold === undefined || !shape
                    ? null
                    : { ...shape, threshold },
              },
            ];
          }),
        ),
      };
      engine = createEngine({
        session: this.options.session,
        tokenizer: this.options.tokenizer,
        format: this.options.format,
        profile,
      });
      // Engines are cheap; keep a bounded number of them.
      if (this.engines.size > 64) this.engines.clear();
      this.engines.set(key, engine);
    }
    return engine;
  }

  private score(results: readonly EngineResult[]): QuestionScore {
    const first = results[0] as EngineResult;
    return {
      correct: first.correct === true,
      ms: median(results.map((r) => r.ms)),
      stages: Object.fromEntries(
        first.stages.map((stage, i) => [
          stage.name,
          {
            prefillTokens: stage.prefillTokens,
            generatedTokens: stage.tokens,
            ms: median(results.map((r) => r.stages[i]?.ms ?? 0)),
          },
        ]),
      ),
    };
  }

  private isFullDepth(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
  ): boolean {
    return this.stages.every(
      (s) => (skip[s] ?? []).length === 0 && (candidate.thresholds[s] ?? null) === null,
    );
  }

  async evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    id: string,
  ): Promise<QuestionScore> {
    const question = this.question(id);
    if (this.isFullDepth(candidate, skip)) {
      const cached = this.fullRuns.get(id);
      if (cached) return cached;
    }
    const engine = this.engineFor(candidate, skip);
    const results: EngineResult[] = [];
    for (let r = 0; r < (this.options.repeats ?? 1); r++) results.push(await engine.run(question));
    return this.score(results);
  }

  async cosines(id: string, request: CosineRequest = {}): Promise<Record<string, StageCosines>> {
    const question = this.question(id);
    const none = { budgets: Object.fromEntries(this.stages.map((s) => [s, 0])), thresholds: {} };
    const engine = this.engineFor(none, {});
    const decode = Boolean(request.decode);
    const first = await engine.run(question, {
      collectCosines: true,
      collectDecodeCosines: decode,
    });
    // Decode cosines slow every step down: such a run's times are not the full model's.
    const results: EngineResult[] = decode ? [] : [first];
    while (results.length < (this.options.repeats ?? 1)) results.push(await engine.run(question));
    this.fullRuns.set(id, this.score(results));
    return Object.fromEntries(
      first.stages.map((stage) => {
        if (!stage.cosines) throw new Error('the backend returned no cosines');
        if (decode && !stage.decodeCosines)
          throw new Error('the backend returned no decode cosines');
        return [
          stage.name,
          {
            attn: stage.cosines.attn,
            ffn: stage.cosines.ffn,
            ...(stage.decodeCosines ? { decode: stage.decodeCosines } : {}),
          },
        ];
      }),
    );
  }
}
