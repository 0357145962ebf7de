import type { EngineResult, StageResult } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import {
  budgetProfile,
  parseHeavier,
  skipBudgets,
  stageEndings,
  tokensSaved,
} from './early-exit-budgets.js';

const RANKING = ['2.attn', '4.attn', '5.attn', '4.ffn', '2.ffn'];

function profile(): Profile {
  return {
    schemaVersion: 1,
    model: {
      name: 'demo',
      architecture: 'llama',
      numLayers: 8,
      fingerprint: `sha256:${'ab12'.repeat(16)}`,
    },
    task: { format: 'synthetic', stages: ['recall', 'analyze', 'summarize'] },
    stages: {
      recall: { skip: ['2.attn'], earlyExit: null, maxNewTokens: 128 },
      analyze: {
        skip: ['4.ffn'],
        earlyExit: { confidence: 'maxLogit', window: 2, threshold: 4.5 },
        maxNewTokens: 256,
      },
      summarize: { skip: [], earlyExit: null, maxNewTokens: 32 },
    },
    runtime: { kvPolicy: 'reprefill', skipInPrefill: true },
  };
}

function result(stages: [string, number, StageResult['exitReason']][]): EngineResult {
  return {
    questionId: 'q',
    answer: { ok: true, answer: 'A' },
    correct: true,
    ms: 1,
    stages: stages.map(([name, tokens, exitReason]) => ({
      name,
      text: '',
      tokens,
      prefillTokens: 0,
      prefillMs: 0,
      ms: 0,
      exitReason,
      skipped: [],
    })),
  };
}

describe('skipBudgets', () => {
  it('extends each stage by the next ranked sub-layers it does not skip yet', () => {
    const [own, plus2, plus4] = skipBudgets(profile(), RANKING, [2, 4]);
    expect(own?.skip).toEqual({ recall: ['2.attn'], analyze: ['4.ffn'], summarize: [] });
    expect(plus2).toMatchObject({ name: '+2', extra: 2 });
    expect(plus2?.skip).toEqual({
      recall: ['2.attn', '4.attn', '5.attn'],
      analyze: ['4.ffn', '2.attn', '4.attn'],
      summarize: ['2.attn', '4.attn'],
    });
    expect(plus4?.skip.analyze).toEqual(['4.ffn', '2.attn', '4.attn', '5.attn', '2.ffn']);
  });

  it('stops at the end of the ranking', () => {
    const [, plus9] = skipBudgets(profile(), RANKING, [9]);
    expect(plus9?.skip.recall).toEqual(['2.attn', '4.attn', '5.attn', '4.ffn', '2.ffn']);
  });
});

describe('budgetProfile', () => {
  const [, plus2] = skipBudgets(profile(), RANKING, [2]);
  const fallback = { confidence: 'maxProb', window: 4, threshold: 0.5 } as const;

  it("keeps the profile's early exit and fills the stages without one from the fallback", () => {
    const variant = budgetProfile(profile(), plus2 as never, true, fallback);
    expect(variant.stages.recall).toEqual({
      skip: ['2.attn', '4.attn', '5.attn'],
      earlyExit: fallback,
      maxNewTokens: 128,
    });
    expect(variant.stages.analyze?.earlyExit).toEqual(profile().stages.analyze?.earlyExit);
  });

  it('turns early exit off everywhere in the variant without it', () => {
    const variant = budgetProfile(profile(), plus2 as never, false, fallback);
    expect(Object.values(variant.stages).map((s) => s.earlyExit)).toEqual([null, null, null]);
    expect(variant.stages.summarize?.skip).toEqual(['2.attn', '4.attn']);
  });

  it('leaves stages without early exit when no fallback is given', () => {
    const variant = budgetProfile(profile(), plus2 as never, true, null);
    expect(variant.stages.recall?.earlyExit).toBeNull();
    expect(variant.stages.analyze?.earlyExit).not.toBeNull();
  });
});

describe('stageEndings and tokensSaved', () => {
  const withExit = [
    result([
      ['recall', 10, 'early-exit'],
      ['analyze', 20, 'eos'],
    ]),
    result([
      ['recall', 30, 'max-tokens'],
      ['analyze', 40, 'early-exit'],
    ]),
  ];
  const withoutExit = [
    result([
      ['recall', 50, 'max-tokens'],
      ['analyze', 20, 'eos'],
    ]),
    result([
      ['recall', 30, 'max-tokens'],
      ['analyze', 60, 'eos'],
    ]),
  ];

  it('counts early exits and capped outputs per stage', () => {
    expect(stageEndings(withExit, ['recall', 'analyze'])).toEqual({
      recall: { meanTokens: 20, earlyExits: 1, capped: 1 },
      analyze: { meanTokens: 30, earlyExits: 1, capped: 0 },
    });
  });

  it('saves the mean tokens without early exit minus those with it', () => {
    const stages = ['recall', 'analyze'];
    expect(tokensSaved(stageEndings(withExit, stages), stageEndings(withoutExit, stages))).toEqual({
      recall: 20,
      analyze: 10,
    });
  });
});

describe('parseHeavier', () => {
  it('reads positive counts once each', () => {
    expect(parseHeavier('2,4, 6,4')).toEqual([2, 4, 6]);
    expect(parseHeavier('')).toEqual([]);
  });

  it('refuses anything else', () => {
    expect(() => parseHeavier('2,x')).toThrow(/positive integers/);
    expect(() => parseHeavier('0')).toThrow(/positive integers/);
  });
});
