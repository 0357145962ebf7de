import type { Question } from '@litestage/core';
import { demoBundleDir } from '@litestage/demo-model';
import { openRuntime } from '@litestage/runtime';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Candidate } from '../candidate.js';
import { EngineEvaluator } from '../engine-evaluator.js';
import { SearchWorkerError, WorkerPoolEvaluator } from './index.js';

const questions: Question[] = generateSyntheticQuestions(createWorld(), {
  split: 'calib',
  count: 3,
}).map((q) => ({ id: q.id, question: q.question, options: q.options, answer: q.answer }));
const runtime = await openRuntime({ bundle: demoBundleDir(), task: 'synthetic', threads: 1 });
const baseProfile = runtime.fullDepthProfile();
const local = new EngineEvaluator({
  session: runtime.session,
  tokenizer: runtime.tokenizer,
  format: runtime.format,
  baseProfile,
  questions,
  earlyExit: null,
});
const shared = { task: 'synthetic', baseProfile, questions, earlyExit: null };
const skipping: Candidate = {
  budgets: { recall: 1, analyze: 1, summarize: 0 },
  thresholds: { recall: null, analyze: null, summarize: null },
};
const skip = { recall: ['2.attn'], analyze: ['2.attn'], summarize: [] };

let pool: WorkerPoolEvaluator;
beforeAll(() => {
  pool = new WorkerPoolEvaluator(local, { ...shared, bundle: demoBundleDir(), workers: 2 });
});
afterAll(async () => {
  await pool.close();
  await runtime.dispose();
});

describe('WorkerPoolEvaluator', () => {
  it('evaluates a batch in worker threads to the answers of the local evaluator', async () => {
    const ids = questions.map((q) => q.id);
    const spread = await pool.evaluateMany(skipping, skip, ids);
    expect(pool.evaluated).toBe(3);
    const here = await Promise.all(ids.map((id) => local.evaluate(skipping, skip, id)));
    // Times differ from run to run; answers and token counts do not (greedy decoding).
    const answers = (scores: typeof here) =>
      scores.map((s) => ({
        correct: s.correct,
        tokens: Object.values(s.stages).map((stage) => stage.generatedTokens),
      }));
    expect(answers(spread)).toEqual(answers(here));
  });

  it('rejects with a SearchWorkerError when a worker cannot open its model', async () => {
    const broken = new WorkerPoolEvaluator(local, {
      ...shared,
      bundle: '/no/such/bundle',
      workers: 1,
    });
    try {
      const failure = broken.evaluateMany(skipping, skip, [questions[0]?.id as string]);
      await expect(failure).rejects.toThrow(SearchWorkerError);
      await expect(failure).rejects.toThrow(/^search worker: .*\/no\/such\/bundle/);
    } finally {
      await broken.close();
    }
  });
});
