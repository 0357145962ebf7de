import type { Question } from '@litestage/core';
import { describe, expect, it } from 'vitest';
import { compareEngines, EngineComparisonError } from './engine-comparison.js';
import { comparePaired } from './metrics.js';
import { scriptedEngine } from './test-utils/scripted-engine.js';

const questions: Question[] = Array.from({ length: 6 }, (_, i) => ({
  id: `q${i}`,
  question: `question ${i}`,
  options: ['yes', 'no'],
  answer: 'A',
}));
const index = (q: Question) => Number(q.id.slice(1));

describe('compareEngines', () => {
  it('runs every method on each question in rotating order', async () => {
    const log: string[] = [];
    const script = () => ({ correct: true, ms: [1, 1] as const });
    await compareEngines({
      methods: ['full', 'a', 'b'].map((name) => ({
        name,
        engine: scriptedEngine(name, script, log),
      })),
      questions: questions.slice(0, 4),
    });
    expect(log).toEqual([
      'full:q0',
      'a:q0',
      'b:q0',
      'a:q1',
      'b:q1',
      'full:q1',
      'b:q2',
      'full:q2',
      'a:q2',
      'full:q3',
      'a:q3',
      'b:q3',
    ]);
  });

  it('summarizes each method and pairs every other method with the baseline', async () => {
    const full = scriptedEngine('full', () => ({ correct: true, ms: [30, 10] }));
    // Wrong on q1 and q4; half the time of full depth.
    const skipping = scriptedEngine('skipping', (q) => ({
      correct: index(q) % 3 !== 1,
      ms: [15, 5],
    }));
    // Right where full depth is; a quarter of its time.
    const fast = scriptedEngine('fast', () => ({ correct: true, ms: [5, 5] }));
    const comparison = await compareEngines({
      methods: [
        { name: 'skipping', engine: skipping },
        { name: 'full', engine: full },
        { name: 'fast', engine: fast },
      ],
      baseline: 'full',
      questions,
    });
    expect(comparison.questions).toBe(6);
    expect(comparison.interrupted).toBe(false);
    expect(comparison.baseline).toBe('full');
    expect(Object.keys(comparison.methods)).toEqual(['skipping', 'full', 'fast']);
    expect(Object.keys(comparison.paired)).toEqual(['skipping', 'fast']);
    const skippingReport = comparison.methods.skipping;
    expect(skippingReport?.summary.correct).toBe(4);
    expect(skippingReport?.summary.meanMs).toBe(20);
    expect(skippingReport?.summary.stages.recall?.meanMs).toBe(15);
    expect(skippingReport?.results.map((r) => r.questionId)).toEqual(questions.map((q) => q.id));
    expect(comparison.paired.skipping?.speedup).toBe(2);
    expect(comparison.paired.fast?.speedup).toBe(4);
    expect(comparison.paired.skipping?.accuracy).toEqual(
      comparePaired(
        questions.map(() => true),
        questions.map((q) => index(q) % 3 !== 1),
      ),
    );
    expect(comparison.paired.fast?.accuracy.difference).toBe(0);
  });

  it('reports the questions every method finished when aborted, and reports progress', async () => {
    const controller = new AbortController();
    const progress: string[] = [];
    const log: string[] = [];
    const script = () => ({ correct: true, ms: [1, 1] as const });
    const full = scriptedEngine('full', script, log);
    // Aborts in the middle of the fourth question, which it answers first (rotation).
    const profiled = scriptedEngine(
      'profile',
      (q) => {
        if (q.id === 'q3') controller.abort();
        return { correct: true, ms: [1, 1] };
      },
      log,
    );
    const comparison = await compareEngines({
      methods: [
        { name: 'full', engine: full },
        { name: 'profile', engine: profiled },
      ],
      questions,
      signal: controller.signal,
      onProgress: ({ done, total }) => progress.push(`${done}/${total}`),
    });
    expect(log.at(-1)).toBe('profile:q3');
    expect(comparison.interrupted).toBe(true);
    expect(comparison.questions).toBe(3);
    expect(comparison.methods.full?.results).toHaveLength(3);
    expect(comparison.methods.profile?.results).toHaveLength(3);
    expect(progress).toEqual(['1/6', '2/6', '3/6']);
  });

  it('rethrows an abort that came before any question was finished', async () => {
    const controller = new AbortController();
    controller.abort();
    const engine = scriptedEngine('x', () => ({ correct: true, ms: [1, 1] }));
    await expect(
      compareEngines({
        methods: [
          { name: 'a', engine },
          { name: 'b', engine },
        ],
        questions,
        signal: controller.signal,
      }),
    ).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses fewer than two methods, duplicate names and an unknown baseline', async () => {
    const engine = scriptedEngine('x', () => ({ correct: true, ms: [1, 1] }));
    await expect(compareEngines({ methods: [{ name: 'a', engine }], questions })).rejects.toThrow(
      new EngineComparisonError('a comparison needs two or more methods, got 1'),
    );
    await expect(
      compareEngines({
        methods: [
          { name: 'a', engine },
          { name: 'a', engine },
        ],
        questions,
      }),
    ).rejects.toThrow(/two methods are named "a"/);
    await expect(
      compareEngines({
        methods: [
          { name: 'a', engine },
          { name: 'b', engine },
        ],
        baseline: 'c',
        questions,
      }),
    ).rejects.toThrow('the baseline "c" is not one of the methods (a, b)');
    await expect(
      compareEngines({
        methods: [
          { name: 'a', engine },
          { name: 'b', engine },
        ],
        questions: [],
      }),
    ).rejects.toThrow(EngineComparisonError);
  });
});
