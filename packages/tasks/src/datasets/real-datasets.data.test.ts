import { readFileSync } from 'node:fs';
import { dataPath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { parseDataset } from './real-datasets.js';

// The whole real files, from the data folder (`pnpm test:data`); OBQA is never committed.
const files = {
  csqaDev: dataPath('tinythinker/csqa/original/dev_rand_split.jsonl'),
  obqaTest: dataPath('tinythinker/obqa/original/test.jsonl'),
  strategyTrain: dataPath('strategyqa/strategyqa_train.json'),
};
const read = (file: string) => readFileSync(file, 'utf8');

describe('real datasets', () => {
  it('reads CommonsenseQA dev: 1,221 questions of 5 options', () => {
    const { questions, skipped } = parseDataset('csqa', read(files.csqaDev), {
      source: files.csqaDev,
    });
    expect(questions).toHaveLength(1221);
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
  });

  it('reads OpenBookQA test: 500 questions of 4 options', () => {
    const { questions } = parseDataset('obqa', read(files.obqaTest), { source: files.obqaTest });
    expect(questions).toHaveLength(500);
    expect(questions.every((q) => q.options.length === 4 && /^[A-D]$/.test(q.answer ?? ''))).toBe(
      true,
    );
  });

  it('reads StrategyQA train: 1,855 yes/no questions as options A/B', () => {
    const { questions } = parseDataset('strategyqa', read(files.strategyTrain), {
      source: files.strategyTrain,
    });
    expect(questions).toHaveLength(1855);
    expect(questions[0]).toEqual({
      id: 'strategyqa_train-0',
      question: 'Is Saturn named after king of gods in Greek mythology?',
      options: ['yes', 'no'],
      answer: 'B',
    });
    expect(questions.filter((q) => q.answer === 'A')).toHaveLength(868);
  });
});
