import { readFileSync } from 'node:fs';
import { dataPath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { expectCsqaDev, expectStrategyQaTrain } from '../test-utils/expect-real-datasets.js';
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
    expectCsqaDev(files.csqaDev, 1221);
  });

  it('reads OpenBookQA test: 500 questions of 4 options', () => {
    const { questions } = parseDataset('obqa', read(files.obqaTest), { source: files.obqaTest });
    expect(questions).toHaveLength(500);
    expect(questions.every((q) => q.options.length === 4 && /^[A-D]$/.test(q.answer ?? ''))).toBe(
      true,
    );
  });

  it('reads StrategyQA train: 1,855 yes/no questions as options A/B', () => {
    expectStrategyQaTrain(files.strategyTrain, 1855, 868);
  });
});
