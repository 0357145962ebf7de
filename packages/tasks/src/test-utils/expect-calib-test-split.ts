import { expect } from 'vitest';
import { collectTaskQuestions } from '../node/index.js';

/**
 * Checks a CommonsenseQA file of `count` questions splits into disjoint calib and test parts,
 * and that a limited, seeded test subset stays out of calib.
 */
export async function expectCsqaCalibTestSplit(file: string, count: number): Promise<void> {
  const calib = await collectTaskQuestions({ task: 'csqa', file, split: 'calib' });
  const test = await collectTaskQuestions({ task: 'csqa', file, split: 'test' });
  const all = await collectTaskQuestions({ task: 'csqa', file });
  expect(calib.records.length + test.records.length).toBe(count);
  expect(all.records).toHaveLength(count);
  const calibIds = new Set(calib.records.map((r) => r.id));
  expect(test.records.some((r) => calibIds.has(r.id))).toBe(false);
  const limited = await collectTaskQuestions({
    task: 'csqa',
    file,
    split: 'test',
    limit: 10,
    seed: 3,
  });
  expect(limited.records).toHaveLength(10);
  expect(limited.records.every((r) => !calibIds.has(r.id))).toBe(true);
}
