import { describe, expect, it } from 'vitest';
import { fitLatencyModel, median, modelLatency } from './latency.js';

describe('the latency model', () => {
  it('recovers per-sub-layer and fixed costs from four step timings', () => {
    // 4 layers, 2 ms fixed, 0.5 ms per attention, 1 ms per FFN.
    const model = fitLatencyModel(4, {
      fullStepMs: 2 + 4 * 0.5 + 4 * 1,
      noAttnStepMs: 2 + 4 * 1,
      noFfnStepMs: 2 + 4 * 0.5,
      emptyStepMs: 2,
      prefillTokenMs: 0.3,
    });
    expect(model).toEqual({ numLayers: 4, stepMs: 2, attnMs: 0.5, ffnMs: 1, prefillTokenMs: 0.3 });
  });

  it('prices tokens by the sub-layers that run, in prefill only when the profile skips there', () => {
    const model = { numLayers: 4, stepMs: 2, attnMs: 0.5, ffnMs: 1, prefillTokenMs: 0.3 };
    const score = {
      correct: true,
      ms: 0,
      stages: { recall: { prefillTokens: 10, generatedTokens: 5, ms: 0 } },
    };
    const skipped = { recall: { attn: 2, ffn: 1 } };
    // Decode: 5 * (2 + 2 * 0.5 + 3 * 1) = 30; prefill: 10 * 0.3 * (4 / 6) = 2.
    expect(modelLatency(model).perStage(score, skipped).recall).toBeCloseTo(32, 10);
    expect(
      modelLatency(model, { skipInPrefill: false }).perStage(score, skipped).recall,
    ).toBeCloseTo(33, 10);
    expect(modelLatency(model).model).toBe(model);
  });

  it('takes medians', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});
