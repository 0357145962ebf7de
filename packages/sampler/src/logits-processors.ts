/**
 * Logits processors change the next-token scores in place before a token is chosen. The
 * names follow transformers.js (`LogitsProcessor`, `TopKLogitsWarper`, ...), and a plugin
 * can add its own by implementing `LogitsProcessor`.
 */
export interface LogitsProcessor {
  /** `tokens`: the ids so far (prompt and generated), for processors that look back. */
  process(logits: Float32Array, tokens: readonly number[]): void;
}

export class LogitsProcessorList implements LogitsProcessor {
  readonly processors: LogitsProcessor[];

  constructor(processors: readonly LogitsProcessor[] = []) {
    this.processors = [...processors];
  }

  push(processor: LogitsProcessor): void {
    this.processors.push(processor);
  }

  process(logits: Float32Array, tokens: readonly number[]): void {
    for (const processor of this.processors) processor.process(logits, tokens);
  }
}

/** Divides the logits by a temperature > 0 (1 changes nothing). */
export class TemperatureLogitsWarper implements LogitsProcessor {
  constructor(readonly temperature: number) {
    if (!(temperature > 0) || !Number.isFinite(temperature)) {
      throw new RangeError(`temperature must be a finite number > 0, got ${temperature}`);
    }
  }

  process(logits: Float32Array): void {
    if (this.temperature === 1) return;
    for (let i = 0; i < logits.length; i++) logits[i] = (logits[i] as number) / this.temperature;
  }
}

/** Keeps the k largest logits (ties at the k-th value kept), sets the rest to -Infinity. */
export class TopKLogitsWarper implements LogitsProcessor {
  private scratch = new Float32Array(0);

  constructor(readonly k: number) {
    if (!Number.isInteger(k) || k < 1)
      throw new RangeError(`top-k must be an integer >= 1, got ${k}`);
  }

  process(logits: Float32Array): void {
    if (this.k >= logits.length) return;
    if (this.scratch.length !== logits.length) this.scratch = new Float32Array(logits.length);
    this.scratch.set(logits);
    this.scratch.sort();
    const cutoff = this.scratch[logits.length - this.k] as number;
    for (let i = 0; i < logits.length; i++)
      if ((logits[i] as number) < cutoff) logits[i] = -Infinity;
  }
}

/**
 * Nucleus sampling: keeps the smallest set of most likely tokens whose probabilities add up
 * to at least p (always at least one), sets the rest to -Infinity.
 */
export class TopPLogitsWarper implements LogitsProcessor {
  private order = new Uint32Array(0);
  private probabilities = new Float64Array(0);

  constructor(readonly p: number) {
    if (!(p > 0 && p <= 1)) throw new RangeError(`top-p must be in (0, 1], got ${p}`);
  }

  process(logits: Float32Array): void {
    if (this.p >= 1) return;
    const n = logits.length;
    if (this.order.length !== n) {
      this.order = new Uint32Array(n);
      this.probabilities = new Float64Array(n);
    }
    let max = -Infinity;
    for (let i = 0; i < n; i++) max = Math.max(max, logits[i] as number);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const e = Math.exp((logits[i] as number) - max);
      this.probabilities[i] = e;
      sum += e;
      this.order[i] = i;
    }
    const probabilities = this.probabilities;
    this.order.sort((a, b) => (probabilities[b] as number) - (probabilities[a] as number) || a - b);
    let cumulative = 0;
    let kept = 0;
    while (kept < n && cumulative < this.p) {
      cumulative += (probabilities[this.order[kept] as number] as number) / sum;
      kept++;
    }
    for (let r = kept; r < n; r++) logits[this.order[r] as number] = -Infinity;
  }
}

/**
 * Discourages repeating tokens already in the sequence (CTRL's penalty, as transformers):
 * a positive logit is divided by the penalty, a negative one multiplied.
 */
export class RepetitionPenaltyLogitsProcessor implements LogitsProcessor {
  constructor(readonly penalty: number) {
    if (!(penalty > 0) || !Number.isFinite(penalty)) {
      throw new RangeError(`repetition penalty must be a finite number > 0, got ${penalty}`);
    }
  }

  process(logits: Float32Array, tokens: readonly number[]): void {
    if (this.penalty === 1) return;
    const seen = new Set(tokens);
    for (const id of seen) {
      const value = logits[id];
      if (value === undefined) continue;
      logits[id] = value > 0 ? value / this.penalty : value * this.penalty;
    }
  }
}
