import { describe, expect, it } from 'vitest';
import { ConfidenceEarlyExit, confidenceOf, EarlyExitCriteria } from './early-exit.js';
import {
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  TopKLogitsWarper,
  TopPLogitsWarper,
} from './logits-processors.js';
import { argmax, logSumExp, maxSoftmaxProbability, softmax } from './softmax.js';
import {
  EosTokenCriteria,
  MaxNewTokensCriteria,
  StoppingCriteriaList,
  StopStringCriteria,
} from './stopping-criteria.js';
import { TokenSampler } from './token-sampler.js';

const f32 = (...values: number[]) => Float32Array.from(values);

describe('softmax helpers', () => {
  it('are stable for huge logits over a 32k vocabulary', () => {
    const logits = new Float32Array(32000).fill(-1000);
    logits[123] = 1e30;
    expect(maxSoftmaxProbability(logits)).toBe(1);
    expect(argmax(logits)).toBe(123);
    expect(softmax(f32(1000, 1000))).toEqual(f32(0.5, 0.5));
    expect(logSumExp([0, Math.log(3)])).toBeCloseTo(Math.log(4), 12);
    expect(maxSoftmaxProbability(f32(0, 0, 0, 0))).toBeCloseTo(0.25, 12);
    expect(argmax(f32(1, 3, 3))).toBe(1);
  });
});

describe('logits processors', () => {
  it('temperature divides', () => {
    const logits = f32(2, 4);
    new TemperatureLogitsWarper(2).process(logits);
    expect(logits).toEqual(f32(1, 2));
    expect(() => new TemperatureLogitsWarper(0)).toThrow(RangeError);
  });

  it('top-k keeps the k largest', () => {
    const logits = f32(1, 5, 3, 4);
    new TopKLogitsWarper(2).process(logits);
    expect(logits).toEqual(f32(-Infinity, 5, -Infinity, 4));
  });

  it('top-p keeps the smallest nucleus reaching p', () => {
    const logits = f32(Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05));
    new TopPLogitsWarper(0.8).process(logits);
    expect([...logits].map((v) => v === -Infinity)).toEqual([false, false, true, true]);
    const one = f32(Math.log(0.9), Math.log(0.1));
    new TopPLogitsWarper(0.5).process(one);
    expect([...one].map((v) => v === -Infinity)).toEqual([false, true]);
  });

  it('repetition penalty divides positive and multiplies negative logits of seen tokens', () => {
    const logits = f32(2, -2, 2);
    new RepetitionPenaltyLogitsProcessor(2).process(logits, [0, 1, 1]);
    expect(logits).toEqual(f32(1, -4, 2));
  });
});

describe('TokenSampler', () => {
  it('is greedy at temperature 0 and leaves the logits alone', () => {
    const logits = f32(0.1, 0.7, 0.2);
    expect(new TokenSampler().choose(logits)).toBe(1);
    expect(logits).toEqual(f32(0.1, 0.7, 0.2));
  });

  it('samples reproducibly from a seed, and differently from another', () => {
    const logits = new Float32Array(50).map((_, i) => Math.sin(i));
    const draw = (seed: number) => {
      const sampler = new TokenSampler({ temperature: 1.5, seed });
      return Array.from({ length: 40 }, () => sampler.choose(logits));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
    expect(new Set(draw(7)).size).toBeGreaterThan(5);
  });

  it('follows the distribution', () => {
    const logits = f32(Math.log(0.7), Math.log(0.2), Math.log(0.1));
    const sampler = new TokenSampler({ temperature: 1, seed: 1 });
    const draws = Array.from({ length: 20000 }, () => sampler.choose(logits));
    const share = (id: number) => draws.filter((d) => d === id).length / draws.length;
    expect(share(0)).toBeCloseTo(0.7, 1);
    expect(share(2)).toBeCloseTo(0.1, 1);
  });

  it('never draws a token top-k removed', () => {
    const sampler = new TokenSampler({ temperature: 5, topK: 2, seed: 3 });
    const logits = f32(0, 1, 2, 3);
    for (let i = 0; i < 500; i++) expect(sampler.choose(logits)).toBeGreaterThanOrEqual(2);
  });
});

describe('confidence early exit', () => {
  /** Logits whose max softmax probability is exactly p over two tokens. */
  const withProbability = (p: number) => f32(Math.log(p), Math.log(1 - p));

  it('exits at the first step whose window mean falls to the threshold (maxProb)', () => {
    const exit = new ConfidenceEarlyExit({ confidence: 'maxProb', window: 3, threshold: 0.62 });
    const probabilities = [0.55, 0.55, 0.9, 0.9, 0.7, 0.55, 0.55, 0.51];
    const decisions = probabilities.map((p) => exit.pushLogits(withProbability(p)));
    // Means once full: 0.667, 0.783, 0.833, 0.717, then 0.6 <= 0.62 at index 6.
    expect(decisions).toEqual([false, false, false, false, false, false, true, true]);
  });

  it('never exits before the window is full, even on a very low confidence', () => {
    const exit = new ConfidenceEarlyExit({ confidence: 'maxProb', window: 4, threshold: 0.9 });
    expect([0.5, 0.5, 0.5].map((p) => exit.pushLogits(withProbability(p)))).toEqual([
      false,
      false,
      false,
    ]);
    expect(exit.pushLogits(withProbability(0.5))).toBe(true);
    exit.reset();
    expect(exit.size).toBe(0);
    expect(exit.pushLogits(withProbability(0.5))).toBe(false);
  });

  it('uses the largest logit when asked, exiting when the mean equals the threshold', () => {
    const exit = new ConfidenceEarlyExit({ confidence: 'maxLogit', window: 2, threshold: 5 });
    expect(confidenceOf(f32(1, 7, 3), 'maxLogit')).toBe(7);
    // Means once full: (9+2)/2 = 5.5, (2+8)/2 = 5 (equal: exit), (8+4)/2 = 6.
    const maxima = [9, 2, 8, 4];
    expect(maxima.map((m) => exit.pushLogits(f32(m, 0)))).toEqual([false, false, true, false]);
  });

  it('reports early exit as a stopping criterion that drops the token', () => {
    const criteria = new EarlyExitCriteria({ confidence: 'maxProb', window: 1, threshold: 0.5 });
    expect(criteria.check({ tokens: [4], text: 'x', logits: withProbability(0.9) })).toBeNull();
    expect(criteria.check({ tokens: [4, 5], text: 'xy', logits: withProbability(0.5) })).toEqual({
      reason: 'early-exit',
      keepToken: false,
    });
  });
});

describe('stopping criteria', () => {
  const logits = f32(0);

  it('catches a stop string split across tokens and cuts the text before it', () => {
    const criteria = new StopStringCriteria(['\n\n', 'END']);
    expect(criteria.check({ tokens: [1], text: 'abc\n', logits })).toBeNull();
    expect(criteria.check({ tokens: [1, 2], text: 'abc\n\nmore', logits })).toEqual({
      reason: 'stop-string',
      keepToken: true,
      textEnd: 3,
    });
    expect(criteria.check({ tokens: [1, 2, 3], text: 'xxEN', logits })).toBeNull();
    expect(criteria.check({ tokens: [1, 2, 3, 4], text: 'xxEND', logits })?.textEnd).toBe(2);
  });

  it('stops on EOS (dropping it) and at the token budget (keeping the last token)', () => {
    const list = new StoppingCriteriaList([
      new EosTokenCriteria([2, 9]),
      new MaxNewTokensCriteria(3),
    ]);
    expect(list.check({ tokens: [5], text: 'a', logits })).toBeNull();
    expect(list.check({ tokens: [5, 9], text: 'a', logits })).toEqual({
      reason: 'eos',
      keepToken: false,
    });
    expect(list.check({ tokens: [5, 6, 7], text: 'abc', logits })).toEqual({
      reason: 'max-tokens',
      keepToken: true,
    });
  });
});
