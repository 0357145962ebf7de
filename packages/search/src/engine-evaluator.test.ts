import type { Question } from '@litestage/core';
import { demoBundleDir } from '@litestage/demo-model';
import { openRuntime } from '@litestage/runtime';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import { afterAll, describe, expect, it } from 'vitest';
import type { Candidate, QuestionScore } from './candidate.js';
import { EngineEvaluator } from './engine-evaluator.js';

const questions: Question[] = generateSyntheticQuestions(createWorld(), {
  split: 'calib',
  count: 2,
}).map((q) => ({ id: q.id, question: q.question, options: q.options, answer: q.answer }));
const runtime = await openRuntime({ bundle: demoBundleDir(), task: 'synthetic', threads: 1 });
afterAll(() => runtime.dispose());

const newEvaluator = () =>
  new EngineEvaluator({
    session: runtime.session,
    tokenizer: runtime.tokenizer,
    format: runtime.format,
    baseProfile: runtime.fullDepthProfile(),
    questions,
    earlyExit: null,
  });
const tokensOf = (score: QuestionScore) =>
  Object.values(score.stages).map((stage) => stage.generatedTokens);

describe('EngineEvaluator', () => {
  it('runs the skip sets it is given, whatever budgets named them', async () => {
    // Strategies that rank differently (the bench shares one evaluator among them) reach
    // other skip sets with the same budgets: each must run its own.
    const evaluator = newEvaluator();
    const candidate: Candidate = {
      budgets: { recall: 12, analyze: 12, summarize: 12 },
      thresholds: { recall: null, analyze: null, summarize: null },
    };
    const late = Array.from({ length: 6 }, (_, i) => [`${10 + i}.attn`, `${10 + i}.ffn`]).flat();
    const early = Array.from({ length: 6 }, (_, i) => [`${i}.attn`, `${i}.ffn`]).flat();
    const id = questions[0]?.id as string;
    const a = await evaluator.evaluate(
      candidate,
      { recall: late, analyze: late, summarize: late },
      id,
    );
    const b = await evaluator.evaluate(
      candidate,
      { recall: early, analyze: early, summarize: early },
      id,
    );
    const alone = await newEvaluator().evaluate(
      candidate,
      { recall: early, analyze: early, summarize: early },
      id,
    );
    expect({ correct: b.correct, tokens: tokensOf(b) }).toEqual({
      correct: alone.correct,
      tokens: tokensOf(alone),
    });
    // The two skip sets behave differently on this model, so a shared engine would show.
    expect({ correct: a.correct, tokens: tokensOf(a) }).not.toEqual({
      correct: b.correct,
      tokens: tokensOf(b),
    });
  });
});
