import type { Question } from '@litestage/core';
import { createWorld, generateSyntheticQuestions } from '@litestage/tasks';

/** How many held-out questions the page offers to pick from. */
export const HELD_OUT_COUNT = 200;

/**
 * The synthetic task's held-out (test split) questions of the world the demo reasoner
 * memorised, with their gold answers: the ones `litestage run --split test` asks.
 */
export function heldOutQuestions(count: number = HELD_OUT_COUNT): Question[] {
  return generateSyntheticQuestions(createWorld(), { split: 'test', count }).map((q) => ({
    id: q.id,
    question: q.question,
    options: q.options,
    answer: q.answer,
  }));
}

/** The held-out question with this text and these options, to learn a typed one's answer. */
export function findHeldOut(
  questions: readonly Question[],
  typed: Pick<Question, 'question' | 'options'>,
): Question | undefined {
  const key = (q: Pick<Question, 'question' | 'options'>) =>
    [q.question.trim().toLowerCase(), ...q.options.map((o) => o.trim().toLowerCase())].join('\n');
  const wanted = key(typed);
  return questions.find((q) => key(q) === wanted);
}
