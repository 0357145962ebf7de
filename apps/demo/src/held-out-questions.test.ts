import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import { findHeldOut, heldOutQuestions } from './held-out-questions.js';

describe('heldOutQuestions', () => {
  it("are the synthetic task's test questions with their gold answers", () => {
    const questions = heldOutQuestions(5);
    const test = generateSyntheticQuestions(createWorld(), { split: 'test', count: 5 });
    expect(questions).toEqual(
      test.map((q) => ({ id: q.id, question: q.question, options: q.options, answer: q.answer })),
    );
    expect(questions.every((q) => q.options.length === 4 && /^[A-D]$/.test(q.answer ?? ''))).toBe(
      true,
    );
  });

  it('finds a typed question among them, whatever its case and spacing', () => {
    const questions = heldOutQuestions(5);
    const second = questions[1];
    if (!second) throw new Error('no second question');
    const typed = {
      question: ` ${second.question.toUpperCase()} `,
      options: second.options.map((o) => `${o} `),
    };
    expect(findHeldOut(questions, typed)).toBe(second);
    expect(
      findHeldOut(questions, { question: second.question, options: ['x', 'y'] }),
    ).toBeUndefined();
  });
});
