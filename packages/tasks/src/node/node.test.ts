import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { parseQuestionRecords } from '../question-record.js';
import { expectCsqaCalibTestSplit } from '../test-utils/expect-calib-test-split.js';
import {
  appendLine,
  collectTaskQuestions,
  loadDataset,
  readLines,
  recordsToJsonl,
  writeFileAtomic,
} from './index.js';

const dir = await mkdtemp(join(tmpdir(), 'litestage-tasks-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('collectTaskQuestions', () => {
  it('exports synthetic questions with gold stages and the rendered trace', async () => {
    const { records } = await collectTaskQuestions({
      task: 'synthetic',
      split: 'train',
      limit: 5,
      seed: 1,
    });
    expect(records).toHaveLength(5);
    for (const record of records) {
      expect(Object.keys(record.gold ?? {})).toEqual(['recall', 'analyze', 'summarize']);
      expect(record.text).toBe(
        `${record.question}\n${record.options.map((o, i) => `(${'ABCD'[i]}) ${o}`).join(' ')}\n` +
          `Recall: ${record.gold?.recall}\nAnalyze: ${record.gold?.analyze}\nSummarize: ${record.gold?.summarize}\n`,
      );
    }
    const text = recordsToJsonl(records);
    expect(parseQuestionRecords(text, 'x.jsonl')).toEqual(JSON.parse(JSON.stringify(records)));
  });

  it('splits a real file into disjoint calib and test parts', async () => {
    // The first 40 lines of CSQA dev; node.data.test.ts splits the whole file.
    await expectCsqaCalibTestSplit(
      fixturePath('tinythinker/csqa/original/first-40/dev_rand_split.jsonl'),
      40,
    );
  });

  it('explains what it cannot do', async () => {
    await expect(collectTaskQuestions({ task: 'csqa' })).rejects.toThrow(
      /--file is required for csqa/,
    );
    await expect(collectTaskQuestions({ task: 'synthetic', split: 'all' })).rejects.toThrow(
      /need a split/,
    );
    await expect(loadDataset('obqa', join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: file not found/,
    );
  });
});

describe('parseQuestionRecords', () => {
  it('names the line of a bad record', () => {
    const record = (id: string, answer: string) =>
      JSON.stringify({ id, task: 't', question: 'q', options: ['x', 'y'], answer });
    const good = record('a', 'B');
    const bad = record('b', 'C');
    expect(() => parseQuestionRecords(`${good}\n${bad}\n`, 'd.jsonl')).toThrow(
      'd.jsonl:2: "answer" "C" is not one of the option labels',
    );
    expect(() => parseQuestionRecords(`${good}\n${good}\n`, 'd.jsonl')).toThrow(
      'd.jsonl:2: duplicate id "a"',
    );
  });
});

describe('writeFileAtomic', () => {
  it('writes the whole file and leaves no temporary file behind', async () => {
    const file = join(dir, 'out.jsonl');
    await writeFileAtomic(file, 'one\ntwo\n');
    expect(await readFile(file, 'utf8')).toBe('one\ntwo\n');
    await expect(writeFileAtomic(join(dir, 'no-such-dir', 'x'), 'x')).rejects.toThrow();
    expect(await readdir(dir)).toEqual(['out.jsonl']);
  });
});

describe('appendLine and readLines', () => {
  it('reads no lines from a file not written yet, then every appended line', async () => {
    const file = join(dir, 'log.jsonl');
    expect(await readLines(file)).toEqual([]);
    await appendLine(file, '{"a":1}');
    await appendLine(file, '{"b":2}');
    expect(await readLines(file)).toEqual(['{"a":1}', '{"b":2}', '']);
    await expect(readLines(dir)).rejects.toThrow();
    await rm(file);
  });
});
