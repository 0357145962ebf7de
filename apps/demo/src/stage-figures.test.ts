import { describe, expect, it } from 'vitest';
import { formatSpeedup, stageFigures } from './stage-figures.js';

describe('stageFigures', () => {
  it('gives tokens per second over the stage time, and says how it ended', () => {
    expect(stageFigures({ tokens: 30, ms: 600, exitReason: 'stop-string' })).toEqual({
      tokens: 30,
      ms: 600,
      tokensPerSecond: 50,
      exit: 'stop string',
      earlyExit: false,
    });
  });

  it('shows an early exit as such', () => {
    const figures = stageFigures({ tokens: 12, ms: 0, exitReason: 'early-exit' });
    expect(figures.earlyExit).toBe(true);
    expect(figures.exit).toBe('early exit (confidence fell)');
    expect(figures.tokensPerSecond).toBe(0);
  });

  it('writes a speedup with two decimals', () => {
    expect(formatSpeedup(1.8449)).toBe('1.84x');
  });
});
