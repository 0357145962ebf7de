import { allSubLayerIds, type SubLayerId } from '@litestage/profile';
import type { Evaluator, StageCosines } from './evaluator.js';

/** Redundancy per sub-layer: higher means the sub-layer changes the residual stream less. */
export interface SubLayerScores {
  readonly attn: number[];
  readonly ffn: number[];
}

/**
 * Turns one stage's token-reduced cosines into redundancy scores. Cosine similarity is the
 * default; others plug in through this interface (register them in `importanceMetrics`).
 */
export interface ImportanceMetric {
  readonly name: string;
  redundancy(cosines: SubLayerScores): SubLayerScores;
}

export const cosineMetric: ImportanceMetric = {
  name: 'cosine',
  redundancy: (c) => ({ attn: [...c.attn], ffn: [...c.ffn] }),
};

/** Angular similarity 1 - arccos(cos)/pi: the same order as cosine, on a linear angle scale. */
export const angularMetric: ImportanceMetric = {
  name: 'angular',
  redundancy: (c) => {
    const angular = (x: number) => 1 - Math.acos(Math.max(-1, Math.min(1, x))) / Math.PI;
    return { attn: c.attn.map(angular), ffn: c.ffn.map(angular) };
  },
};

/**
 * ShortGPT's block influence (1 - cos over a whole layer), as a redundancy score. The graph
 * reports sub-layer cosines, so a layer's cosine is approximated by the product of its two
 * sub-layers' (exact when the two rotations are in one plane); both sub-layers of a layer
 * get the layer's score, so whole layers are skipped together.
 */
export const blockInfluenceMetric: ImportanceMetric = {
  name: 'block-influence',
  redundancy: (c) => {
    const layer = c.attn.map((a, j) => a * (c.ffn[j] as number));
    return { attn: [...layer], ffn: [...layer] };
  },
};

export const importanceMetrics: Map<string, ImportanceMetric> = new Map(
  [cosineMetric, angularMetric, blockInfluenceMetric].map((m) => [m.name, m]),
);

export type TokenReduction = 'mean' | 'last';
export type StageReduction = 'sum' | 'mean';
/** Which tokens' cosines rank the sub-layers: each stage's prompt (prefill) or its generated tokens. */
export type RankingTokens = 'prefill' | 'decode';

export interface RankingOptions {
  readonly metric?: ImportanceMetric;
  readonly tokenReduction?: TokenReduction;
  readonly stageReduction?: StageReduction;
  /** Default `prefill`, the paper's; `decode` ranks by the decode steps (as AdaSkip does). */
  readonly tokens?: RankingTokens;
}

export interface RankedSubLayer {
  readonly id: SubLayerId;
  readonly score: number;
}

export interface Ranking {
  /** All 2L sub-layers, most redundant first, accumulated over stages. */
  readonly global: RankedSubLayer[];
  /** The same per stage (for per-stage budgets). */
  readonly perStage: Record<string, RankedSubLayer[]>;
  readonly metric: string;
  readonly tokenReduction: TokenReduction;
  readonly stageReduction: StageReduction;
  /** Set when the ranking is not over the prefill's tokens. */
  readonly tokens?: RankingTokens;
}

function reduceTokens(values: ArrayLike<number>, reduction: TokenReduction): number {
  if (values.length === 0) return 1;
  if (reduction === 'last') return values[values.length - 1] as number;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/** Step 1: ranks sub-layers by redundancy from the full model's cosines over the questions. */
export async function rankSubLayers(
  evaluator: Evaluator,
  questionIds: readonly string[],
  options: RankingOptions = {},
  onQuestion?: (done: number, total: number) => void,
): Promise<Ranking> {
  const metric = options.metric ?? cosineMetric;
  const tokenReduction = options.tokenReduction ?? 'mean';
  const stageReduction = options.stageReduction ?? 'sum';
  const tokens = options.tokens ?? 'prefill';
  const L = evaluator.numLayers;
  const totals: Record<string, SubLayerScores> = Object.fromEntries(
    evaluator.stages.map((s) => [s, { attn: Array(L).fill(0), ffn: Array(L).fill(0) }]),
  );
  for (const [i, id] of questionIds.entries()) {
    const byStage = await evaluator.cosines(id, tokens === 'decode' ? { decode: true } : {});
    for (const stage of evaluator.stages) {
      const cos = cosinesOf(byStage[stage] as StageCosines, tokens, stage);
      const reduced = {
        attn: Array.from({ length: L }, (_, j) => reduceTokens(cos.attn[j] ?? [], tokenReduction)),
        ffn: Array.from({ length: L }, (_, j) => reduceTokens(cos.ffn[j] ?? [], tokenReduction)),
      };
      const scores = metric.redundancy(reduced);
      const total = totals[stage] as SubLayerScores;
      for (let j = 0; j < L; j++) {
        total.attn[j] = (total.attn[j] as number) + (scores.attn[j] as number) / questionIds.length;
        total.ffn[j] = (total.ffn[j] as number) + (scores.ffn[j] as number) / questionIds.length;
      }
    }
    onQuestion?.(i + 1, questionIds.length);
  }
  const order = (scores: SubLayerScores): RankedSubLayer[] =>
    allSubLayerIds(L)
      .map((id, index) => {
        const layer = Math.floor(index / 2);
        return {
          id,
          score: (id.endsWith('.attn') ? scores.attn[layer] : scores.ffn[layer]) as number,
          index,
        };
      })
      // Most redundant first; ties keep execution order so the ranking is deterministic.
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .map(({ id, score }) => ({ id, score }));
  const perStage = Object.fromEntries(
    evaluator.stages.map((s) => [s, order(totals[s] as SubLayerScores)]),
  );
  const combined: SubLayerScores = { attn: Array(L).fill(0), ffn: Array(L).fill(0) };
  for (const stage of evaluator.stages) {
    const t = totals[stage] as SubLayerScores;
    const weight = stageReduction === 'mean' ? 1 / evaluator.stages.length : 1;
    for (let j = 0; j < L; j++) {
      combined.attn[j] = (combined.attn[j] as number) + weight * (t.attn[j] as number);
      combined.ffn[j] = (combined.ffn[j] as number) + weight * (t.ffn[j] as number);
    }
  }
  return {
    global: order(combined),
    perStage,
    metric: metric.name,
    tokenReduction,
    stageReduction,
    ...(tokens === 'prefill' ? {} : { tokens }),
  };
}

function cosinesOf(
  cosines: StageCosines,
  tokens: RankingTokens,
  stage: string,
): Pick<StageCosines, 'attn' | 'ffn'> {
  if (tokens === 'prefill') return cosines;
  if (!cosines.decode) throw new Error(`the evaluator gave no decode cosines for stage ${stage}`);
  return cosines.decode;
}
