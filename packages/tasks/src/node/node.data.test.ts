import { dataPath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { expectCsqaCalibTestSplit } from '../test-utils/expect-calib-test-split.js';
import { collectTaskQuestions } from './index.js';

// The whole real files, from the data folder (`pnpm test:data`); OBQA is never committed.
describe('collectTaskQuestions', () => {
  it('splits a real file into disjoint calib and test parts', async () => {
    await expectCsqaCalibTestSplit(
      dataPath('tinythinker/csqa/original/dev_rand_split.jsonl'),
      1221,
    );
  });

  it('explains what it cannot do: no train split of a real OBQA file', async () => {
    const file = dataPath('tinythinker/obqa/original/test.jsonl');
    await expect(collectTaskQuestions({ task: 'obqa', file, split: 'train' })).rejects.toThrow(
      /no train split/,
    );
  });
});
