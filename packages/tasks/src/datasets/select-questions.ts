import type { Question } from '@litestage/core';
import { hashString, SeededPicker } from '../random.js';

export interface SelectOptions {
  /** Keep at most this many questions. */
  readonly limit?: number;
  /** Shuffle with this seed before taking `limit`; without it, file order is kept. */
  readonly seed?: number;
}

/** A deterministic subset: the same input, limit and seed always give the same questions. */
export function selectQuestions<T extends Question>(
  questions: readonly T[],
  options: SelectOptions = {},
): T[] {
  const { limit, seed } = options;
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) {
    throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  }
  const ordered = seed === undefined ? [...questions] : new SeededPicker(seed).shuffle(questions);
  return limit === undefined ? ordered : ordered.slice(0, limit);
}

/** Which part of a labelled file a question belongs to; see `splitOfQuestion`. */
export type EvaluationSplit = 'calib' | 'test';

/** Percent of a real dataset's questions that fall in the calibration split. */
export const CALIBRATION_PERCENT = 20;

/**
 * Splits a labelled file into calibration (about 20%) and test (the rest) by a hash of
 * each question's id: disjoint, stable under reordering, and independent of any seed.
 */
export function splitOfQuestion(question: Pick<Question, 'id'>): EvaluationSplit {
  return hashString(question.id) % 100 < CALIBRATION_PERCENT ? 'calib' : 'test';
}
