import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { parseDataset } from '../datasets/real-datasets.js';

const read = (file: string) => readFileSync(file, 'utf8');

/** Checks a CommonsenseQA dev file (whole or a slice) reads into `count` 5-option questions. */
export function expectCsqaDev(file: string, count: number): void {
  const { questions, skipped } = parseDataset('csqa', read(file), { source: file });
  expect(questions).toHaveLength(count);
  expect(skipped).toEqual([]);
  expect(questions.every((q) => q.options.length === 5 && /^[A-E]$/.test(q.answer ?? ''))).toBe(
    true,
  );
  expect(questions[0]).toEqual({
    id: '1afa02df02c908a558b4036e80242fac',
    question:
      'A revolving door is convenient for two direction travel, but it also serves as a security measure at a what?',
    options: ['bank', 'library', 'department store', 'mall', 'new york'],
    answer: 'A',
  });
}

/** Checks a StrategyQA train file reads into `count` yes/no questions, `yesCount` of them yes. */
export function expectStrategyQaTrain(file: string, count: number, yesCount: number): void {
  const { questions } = parseDataset('strategyqa', read(file), { source: file });
  expect(questions).toHaveLength(count);
  expect(questions[0]).toEqual({
    id: 'strategyqa_train-0',
    question: 'Is Saturn named after king of gods in Greek mythology?',
    options: ['yes', 'no'],
    answer: 'B',
  });
  expect(questions.filter((q) => q.answer === 'A')).toHaveLength(yesCount);
}
