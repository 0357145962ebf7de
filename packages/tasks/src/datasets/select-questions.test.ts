import type { Question } from '@litestage/core';
import { describe, expect, it } from 'vitest';
import { CALIBRATION_PERCENT, selectQuestions, splitOfQuestion } from './select-questions.js';

const questions: Question[] = Array.from({ length: 1000 }, (_, i) => ({
  id: `q${i}`,
  question: `question ${i}`,
  options: ['a', 'b'],
}));

describe('selectQuestions', () => {
  it('keeps file order without a seed', () => {
    expect(selectQuestions(questions, { limit: 3 }).map((q) => q.id)).toEqual(['q0', 'q1', 'q2']);
    expect(selectQuestions(questions)).toHaveLength(1000);
  });

  it('draws the same subset for the same seed, another for another seed', () => {
    const a = selectQuestions(questions, { limit: 20, seed: 7 }).map((q) => q.id);
    expect(selectQuestions(questions, { limit: 20, seed: 7 }).map((q) => q.id)).toEqual(a);
    expect(selectQuestions(questions, { limit: 20, seed: 8 }).map((q) => q.id)).not.toEqual(a);
    expect(new Set(a).size).toBe(20);
    expect(a).not.toEqual(questions.slice(0, 20).map((q) => q.id));
  });

  it('refuses a bad limit', () => {
    expect(() => selectQuestions(questions, { limit: -1 })).toThrow(RangeError);
    expect(() => selectQuestions(questions, { limit: 1.5 })).toThrow(RangeError);
  });
});

describe('splitOfQuestion', () => {
  it('puts about a fifth in calibration, the same way every time', () => {
    const calib = questions.filter((q) => splitOfQuestion(q) === 'calib');
    expect(calib.length / questions.length).toBeGreaterThan(CALIBRATION_PERCENT / 100 - 0.04);
    expect(calib.length / questions.length).toBeLessThan(CALIBRATION_PERCENT / 100 + 0.04);
    const reversed = [...questions].reverse().filter((q) => splitOfQuestion(q) === 'calib');
    expect(new Set(reversed.map((q) => q.id))).toEqual(new Set(calib.map((q) => q.id)));
  });
});
