import type { QuestionScore } from './candidate.js';

/** Turns a question's run into milliseconds per stage. */
export interface LatencyEstimator {
  readonly method: 'measured' | 'model';
  /** The cost model behind a `model` estimator (kept in search checkpoints). */
  readonly model?: LatencyModel;
  /** `skipped`: per stage, how many attention and FFN sub-layers the candidate skips. */
  perStage(
    score: QuestionScore,
    skipped: Readonly<Record<string, { readonly attn: number; readonly ffn: number }>>,
  ): Record<string, number>;
}

/** The wall-clock times the evaluator measured. */
export const measuredLatency: LatencyEstimator = {
  method: 'measured',
  perStage: (score) =>
    Object.fromEntries(Object.entries(score.stages).map(([name, s]) => [name, s.ms])),
};

/**
 * Costs measured once per device: a decode step costs `stepMs` plus `attnMs` per attention
 * and `ffnMs` per FFN sub-layer that runs; a prefill token costs its share of
 * `prefillTokenMs` in proportion to the sub-layers that run.
 */
export interface LatencyModel {
  readonly numLayers: number;
  readonly stepMs: number;
  readonly attnMs: number;
  readonly ffnMs: number;
  readonly prefillTokenMs: number;
}

/**
 * A deterministic latency: the model's costs times the tokens actually processed. With
 * `skipInPrefill: false` prefills always run at full depth.
 */
export function modelLatency(
  model: LatencyModel,
  options: { readonly skipInPrefill?: boolean } = {},
): LatencyEstimator {
  const L = model.numLayers;
  const full = L * (model.attnMs + model.ffnMs);
  const skipInPrefill = options.skipInPrefill ?? true;
  return {
    method: 'model',
    model,
    perStage(score, skipped) {
      const out: Record<string, number> = {};
      for (const [name, stage] of Object.entries(score.stages)) {
        const s = skipped[name] ?? { attn: 0, ffn: 0 };
        const running = (L - s.attn) * model.attnMs + (L - s.ffn) * model.ffnMs;
        const share = full > 0 && skipInPrefill ? running / full : 1;
        out[name] =
          stage.prefillTokens * model.prefillTokenMs * share +
          stage.generatedTokens * (model.stepMs + running);
      }
      return out;
    },
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Fits a latency model from four step timings (medians): a decode step at full depth, with
 * every attention skipped, with every FFN skipped, and with everything skipped, plus the
 * per-token time of a full-depth prefill.
 */
export function fitLatencyModel(
  numLayers: number,
  timings: {
    readonly fullStepMs: number;
    readonly noAttnStepMs: number;
    readonly noFfnStepMs: number;
    readonly emptyStepMs: number;
    readonly prefillTokenMs: number;
  },
): LatencyModel {
  const stepMs = Math.max(0, timings.emptyStepMs);
  const attnMs = Math.max(0, (timings.noFfnStepMs - stepMs) / numLayers);
  const ffnMs = Math.max(0, (timings.noAttnStepMs - stepMs) / numLayers);
  return { numLayers, stepMs, attnMs, ffnMs, prefillTokenMs: Math.max(0, timings.prefillTokenMs) };
}
