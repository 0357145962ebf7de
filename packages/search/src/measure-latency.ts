import type { ModelSession, SkipMask } from '@litestage/core';
import { fitLatencyModel, type LatencyModel, median } from './latency.js';

export interface MeasureOptions {
  /** A realistic prompt (token ids) to fill the cache before timing decode steps. */
  readonly promptTokens: readonly number[];
  /** Timed decode steps per configuration (median taken). Default 15. */
  readonly repeats?: number;
}

/**
 * Measures this device's latency model once: the median time of a decode step at full
 * depth, without attention, without FFNs and with everything skipped, and a full-depth
 * prefill's time per token.
 */
export async function measureLatencyModel(
  session: ModelSession,
  options: MeasureOptions,
): Promise<LatencyModel> {
  const L = session.manifest.numLayers;
  const repeats = options.repeats ?? 15;
  const mask = (attn: boolean, ffn: boolean): SkipMask => ({
    attn: Array(L).fill(attn),
    ffn: Array(L).fill(ffn),
  });
  const prompt = [...options.promptTokens];
  if (prompt.length < 2) throw new RangeError('the timing prompt needs at least two tokens');
  const step = async (skip: SkipMask) => {
    const times: number[] = [];
    const sequence = session.createSequence();
    try {
      await session.step(sequence, { tokens: prompt });
      const token = prompt[prompt.length - 1] as number;
      for (let i = 0; i < repeats + 2; i++) {
        const start = performance.now();
        await session.step(sequence, { tokens: [token], skip });
        if (i >= 2) times.push(performance.now() - start); // the first steps warm up
        sequence.truncate(prompt.length);
      }
    } finally {
      sequence.dispose();
    }
    return median(times);
  };
  const prefill: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(repeats / 3)); i++) {
    const sequence = session.createSequence();
    const start = performance.now();
    await session.step(sequence, { tokens: prompt });
    prefill.push((performance.now() - start) / prompt.length);
    sequence.dispose();
  }
  return fitLatencyModel(L, {
    fullStepMs: await step(mask(false, false)),
    noAttnStepMs: await step(mask(true, false)),
    noFfnStepMs: await step(mask(false, true)),
    emptyStepMs: await step(mask(true, true)),
    prefillTokenMs: median(prefill),
  });
}
