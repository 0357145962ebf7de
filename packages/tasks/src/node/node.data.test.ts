import { dataPath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { collectTaskQuestions } from './index.js';

// The whole real files, from the data folder (`pnpm test:data`); OBQA is never committed.
describe('collectTaskQuestions', () => {
  it('splits a real file into disjoint calib and test parts', async () => {
    const file = dataPath('tinythinker/csqa/original/dev_rand_split.jsonl');
    const calib = await collectTaskQuestions({ task: 'csqa', file, split: 'calib' });
    const test = await collectTaskQuestions({ task: 'csqa', file, split: 'test' });
    const all = await collectTaskQuestions({ task: 'csqa', file });
    expect(calib.records.length + test.records.length).toBe(1221);
    expect(all.records).toHaveLength(1221);
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
  });

  it('explains what it cannot do: no train split of a real OBQA file', async () => {
    const file = dataPath('tinythinker/obqa/original/test.jsonl');
    await expect(collectTaskQuestions({ task: 'obqa', file, split: 'train' })).rejects.toThrow(
      /no train split/,
    );
  });
});
