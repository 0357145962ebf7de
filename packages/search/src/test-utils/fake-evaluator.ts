import type { Candidate, QuestionScore } from '../candidate.js';
import type { CosineRequest, Evaluator, StageCosines } from '../evaluator.js';

export const STAGES = ['recall', 'analyze', 'summarize'] as const;

/**
 * A deterministic stand-in for a model: each question has a difficulty in [0, 100); it is
 * answered correctly while the candidate's total damage stays below its difficulty.
 * Damage grows with each stage's budget at a stage-specific rate (recall is the most
 * sensitive) and with the early-exit threshold. Stage lengths shrink as a stage skips more
 * but, past a point, grow again (the model rambles), so latency is not monotone in k.
 */
export class FakeEvaluator implements Evaluator {
  readonly stages = [...STAGES];
  readonly numLayers = 4;
  readonly questionIds: string[];
  calls = 0;
  onEvaluate?: (calls: number) => void;

  constructor(questions = 100) {
    this.questionIds = Array.from({ length: questions }, (_, i) => `q${i}`);
  }

  /** Difficulty of question i: a fixed scramble of 0..99, so every subset has all kinds. */
  difficulty(id: string): number {
    const i = Number(id.slice(1));
    return (i * 37 + 11) % 100;
  }

  static readonly damagePerSkip = { recall: 9, analyze: 1.5, summarize: 0.5 } as const;
  static readonly baseTokens = { recall: 30, analyze: 60, summarize: 8 } as const;

  /** Tokens a stage generates when it skips k sub-layers: fewer at first, rambling past 4. */
  static tokens(stage: (typeof STAGES)[number], k: number, threshold: number | null): number {
    const base = FakeEvaluator.baseTokens[stage];
    const rambling = k > 4 ? 12 * (k - 4) : 0;
    const exit = threshold === null ? 0 : Math.round(base * threshold * 0.5);
    return Math.max(1, base - 4 * k + rambling - exit);
  }

  async evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    id: string,
  ): Promise<QuestionScore> {
    this.calls++;
    this.onEvaluate?.(this.calls);
    let damage = 0;
    const stages: Record<string, { prefillTokens: number; generatedTokens: number; ms: number }> =
      {};
    for (const stage of STAGES) {
      const k = candidate.budgets[stage] ?? 0;
      if ((skip[stage] ?? []).length !== k) throw new Error('skip list does not match the budget');
      const threshold = candidate.thresholds[stage] ?? null;
      damage += k * FakeEvaluator.damagePerSkip[stage] + (threshold === null ? 0 : threshold * 10);
      const generatedTokens = FakeEvaluator.tokens(stage, k, threshold);
      stages[stage] = { prefillTokens: 20, generatedTokens, ms: generatedTokens * (1 - 0.05 * k) };
    }
    const correct = this.difficulty(id) >= 10 + damage;
    return { correct, stages, ms: Object.values(stages).reduce((s, x) => s + x.ms, 0) };
  }

  /** Cosine requests seen, with or without decode cosines. */
  cosineRequests = { prefill: 0, decode: 0 };

  /**
   * At the prefill, later layers are more redundant; over the decode tokens the order is
   * reversed (earlier layers more redundant), so rankings by either differ.
   */
  async cosines(id: string, request: CosineRequest = {}): Promise<Record<string, StageCosines>> {
    this.cosineRequests[request.decode ? 'decode' : 'prefill']++;
    const wobble = this.difficulty(id) / 1000;
    const layer = (base: number, slope: number) =>
      Array.from({ length: this.numLayers }, (_, j) =>
        Float32Array.from([base + slope * j + wobble, base + slope * j]),
      );
    return Object.fromEntries(
      STAGES.map((s) => [
        s,
        {
          attn: layer(0.9, 0.02),
          ffn: layer(0.85, 0.02),
          ...(request.decode
            ? { decode: { attn: layer(0.99, -0.02), ffn: layer(0.94, -0.02) } }
            : {}),
        },
      ]),
    );
  }
}
