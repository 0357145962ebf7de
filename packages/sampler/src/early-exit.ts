import { maxSoftmaxProbability } from './softmax.js';
import type { GenerationState, StopDecision, StoppingCriteria } from './stopping-criteria.js';

export type ConfidenceKind = 'maxProb' | 'maxLogit';

export interface ConfidenceEarlyExitOptions {
  /** maxProb: the largest softmax probability (default); maxLogit: the largest logit. */
  readonly confidence: ConfidenceKind;
  /** How many of the latest confidences are averaged. */
  readonly window: number;
  /** Exit once the window is full and its mean is <= this. */
  readonly threshold: number;
}

export function confidenceOf(logits: ArrayLike<number>, kind: ConfidenceKind): number {
  if (kind === 'maxProb') return maxSoftmaxProbability(logits);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  return max;
}

/**
 * LiteStage's generation early exit: keeps the confidences of the last `window` steps in a
 * FIFO and says to stop once it is full and its mean has fallen to the threshold, as if the
 * model had produced EOS.
 */
export class ConfidenceEarlyExit {
  private readonly fifo: Float64Array;
  private count = 0;
  private next = 0;
  private sum = 0;

  constructor(readonly settings: ConfidenceEarlyExitOptions) {
    if (!Number.isInteger(settings.window) || settings.window < 1) {
      throw new RangeError(`early-exit window must be an integer >= 1, got ${settings.window}`);
    }
    if (!Number.isFinite(settings.threshold))
      throw new RangeError('early-exit threshold must be finite');
    this.fifo = new Float64Array(settings.window);
  }

  /** Adds one step's confidence; true when the stage should end now. */
  push(confidence: number): boolean {
    if (this.count === this.fifo.length) this.sum -= this.fifo[this.next] as number;
    else this.count++;
    this.fifo[this.next] = confidence;
    this.sum += confidence;
    this.next = (this.next + 1) % this.fifo.length;
    return this.count === this.fifo.length && this.mean() <= this.settings.threshold;
  }

  /** Adds the confidence of `logits`; true when the stage should end now. */
  pushLogits(logits: ArrayLike<number>): boolean {
    return this.push(confidenceOf(logits, this.settings.confidence));
  }

  /** Mean of the confidences held (NaN when empty). */
  mean(): number {
    return this.count === 0 ? Number.NaN : this.sum / this.count;
  }

  get size(): number {
    return this.count;
  }

  reset(): void {
    this.count = 0;
    this.next = 0;
    this.sum = 0;
  }
}

/** Confidence early exit as a stopping criterion: the newest token is dropped, as EOS would be. */
export class EarlyExitCriteria implements StoppingCriteria {
  readonly monitor: ConfidenceEarlyExit;

  constructor(settings: ConfidenceEarlyExitOptions) {
    this.monitor = new ConfidenceEarlyExit(settings);
  }

  check(state: GenerationState): StopDecision | null {
    return this.monitor.pushLogits(state.logits)
      ? { reason: 'early-exit', keepToken: false }
      : null;
  }

  reset(): void {
    this.monitor.reset();
  }
}
