/** Why a stage's generation ended. */
export type StopReason = 'eos' | 'stop-string' | 'max-tokens' | 'early-exit' | 'aborted';

/** What a stopping criterion sees after each generated token. */
export interface GenerationState {
  /** Ids generated so far in this stage, the newest last. */
  readonly tokens: readonly number[];
  /** Text generated so far in this stage. */
  readonly text: string;
  /** Logits the newest token was chosen from. */
  readonly logits: Float32Array;
}

/**
 * Decides whether generation ends after the newest token (transformers.js's name). A
 * plugin can add its own; `StoppingCriteriaList` asks them in order.
 */
export interface StoppingCriteria {
  check(state: GenerationState): StopDecision | null;
  reset?(): void;
}

export interface StopDecision {
  readonly reason: StopReason;
  /** Whether the newest token belongs to the output (false for EOS and early exit). */
  readonly keepToken: boolean;
  /** Where the output text ends (a stop string is cut off); the whole text when absent. */
  readonly textEnd?: number;
}

export class StoppingCriteriaList implements StoppingCriteria {
  readonly criteria: StoppingCriteria[];

  constructor(criteria: readonly StoppingCriteria[] = []) {
    this.criteria = [...criteria];
  }

  push(criteria: StoppingCriteria): void {
    this.criteria.push(criteria);
  }

  check(state: GenerationState): StopDecision | null {
    for (const criteria of this.criteria) {
      const decision = criteria.check(state);
      if (decision) return decision;
    }
    return null;
  }

  reset(): void {
    for (const criteria of this.criteria) criteria.reset?.();
  }
}

export class EosTokenCriteria implements StoppingCriteria {
  private readonly ids: ReadonlySet<number>;

  constructor(ids: readonly number[]) {
    this.ids = new Set(ids);
  }

  check(state: GenerationState): StopDecision | null {
    const last = state.tokens.at(-1);
    return last !== undefined && this.ids.has(last) ? { reason: 'eos', keepToken: false } : null;
  }
}

export class MaxNewTokensCriteria implements StoppingCriteria {
  constructor(readonly maxNewTokens: number) {
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
      throw new RangeError(`maxNewTokens must be an integer >= 1, got ${maxNewTokens}`);
    }
  }

  check(state: GenerationState): StopDecision | null {
    return state.tokens.length >= this.maxNewTokens
      ? { reason: 'max-tokens', keepToken: true }
      : null;
  }
}

/**
 * Ends at the first stop string in the generated text, however the tokens split it; the
 * output is cut just before it.
 */
export class StopStringCriteria implements StoppingCriteria {
  constructor(readonly stopStrings: readonly string[]) {
    if (stopStrings.some((s) => s.length === 0))
      throw new RangeError('stop strings must not be empty');
  }

  check(state: GenerationState): StopDecision | null {
    let end = -1;
    for (const stop of this.stopStrings) {
      const at = state.text.indexOf(stop);
      if (at >= 0 && (end < 0 || at < end)) end = at;
    }
    return end >= 0 ? { reason: 'stop-string', keepToken: true, textEnd: end } : null;
  }
}
