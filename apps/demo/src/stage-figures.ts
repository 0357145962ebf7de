import type { StageResult } from '@litestage/core';

/** What a stage's row shows: tokens, time, speed and why it ended. */
export interface StageFigures {
  readonly tokens: number;
  readonly ms: number;
  /** Generated tokens over the stage's whole time (its prefill included). */
  readonly tokensPerSecond: number;
  readonly exit: string;
  readonly earlyExit: boolean;
}

/** How each way a stage can end reads on the page. */
const EXIT_LABELS: Readonly<Record<StageResult['exitReason'], string>> = {
  eos: 'end of text',
  'stop-string': 'stop string',
  'max-tokens': 'token cap',
  'early-exit': 'early exit (confidence fell)',
};

export function stageFigures(
  stage: Pick<StageResult, 'tokens' | 'ms' | 'exitReason'>,
): StageFigures {
  return {
    tokens: stage.tokens,
    ms: stage.ms,
    tokensPerSecond: stage.ms > 0 ? (stage.tokens * 1000) / stage.ms : 0,
    exit: EXIT_LABELS[stage.exitReason],
    earlyExit: stage.exitReason === 'early-exit',
  };
}

/** A speedup as the page writes it: `1.84x`. */
export function formatSpeedup(speedup: number): string {
  return `${speedup.toFixed(2)}x`;
}
