import {
  LogitsProcessorList,
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  TopKLogitsWarper,
  TopPLogitsWarper,
} from './logits-processors.js';
import { SeededRandom } from './seeded-random.js';
import { argmax } from './softmax.js';

export interface SamplingOptions {
  /** 0 (default) is greedy; above 0 samples from the softened distribution. */
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  /** 1 (default) is off. */
  readonly repetitionPenalty?: number;
  /** Seed of the sampling generator (default 0): the same seed gives the same text. */
  readonly seed?: number;
}

/**
 * Chooses the next token: applies the processors, then takes the argmax (greedy) or draws
 * from the softmax with a seeded generator. Logits are processed in a reused buffer, so a
 * step allocates nothing.
 */
export class TokenSampler {
  readonly processors: LogitsProcessorList;
  private readonly random: SeededRandom;
  private readonly greedy: boolean;
  private buffer = new Float32Array(0);

  constructor(readonly options: SamplingOptions = {}) {
    const temperature = options.temperature ?? 0;
    if (!(temperature >= 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`temperature must be a finite number >= 0, got ${temperature}`);
    }
    this.greedy = temperature === 0;
    this.random = new SeededRandom(options.seed ?? 0);
    this.processors = new LogitsProcessorList();
    if (options.repetitionPenalty !== undefined && options.repetitionPenalty !== 1) {
      this.processors.push(new RepetitionPenaltyLogitsProcessor(options.repetitionPenalty));
    }
    if (!this.greedy) {
      this.processors.push(new TemperatureLogitsWarper(temperature));
      if (options.topK !== undefined) this.processors.push(new TopKLogitsWarper(options.topK));
      if (options.topP !== undefined) this.processors.push(new TopPLogitsWarper(options.topP));
    }
  }

  /** The next token id; `logits` is left untouched. */
  choose(logits: Float32Array, tokens: readonly number[] = []): number {
    if (this.buffer.length !== logits.length) this.buffer = new Float32Array(logits.length);
    const work = this.buffer;
    work.set(logits);
    this.processors.process(work, tokens);
    if (this.greedy) return argmax(work);
    let max = -Infinity;
    for (let i = 0; i < work.length; i++) max = Math.max(max, work[i] as number);
    let sum = 0;
    for (let i = 0; i < work.length; i++) {
      const e = Math.exp((work[i] as number) - max);
      work[i] = e;
      sum += e;
    }
    let r = this.random.next() * sum;
    let last = -1;
    for (let i = 0; i < work.length; i++) {
      const weight = work[i] as number;
      if (weight === 0) continue;
      last = i;
      r -= weight;
      if (r < 0) return i;
    }
    return last;
  }
}
