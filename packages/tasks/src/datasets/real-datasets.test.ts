import { readFileSync } from 'node:fs';
import { fixturePath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { expectCsqaDev, expectStrategyQaTrain } from '../test-utils/expect-real-datasets.js';
import { DatasetError } from './dataset-error.js';
import { parseDataset, type RealDatasetName } from './real-datasets.js';

// Slices of the real files (the full ones are read by real-datasets.data.test.ts).
const files = {
  csqaDev: fixturePath('tinythinker/csqa/original/first-40/dev_rand_split.jsonl'),
  strategyTrain: fixturePath('strategyqa/first-40/strategyqa_train.json'),
};
const read = (file: string) => readFileSync(file, 'utf8');
const parse = (dataset: RealDatasetName, text: string, lenient = false) =>
  parseDataset(dataset, text, { source: 'copy.jsonl', lenient });

describe('real datasets', () => {
  it('reads the first 40 CommonsenseQA dev questions, of 5 options', () => {
    expectCsqaDev(files.csqaDev, 40);
  });

  it('reads the first 40 StrategyQA train questions as options A/B', () => {
    expectStrategyQaTrain(files.strategyTrain, 40, 22);
  });
});

describe('broken copies', () => {
  const lines = read(files.csqaDev).split('\n').slice(0, 4);
  const withLine = (index: number, replacement: string) =>
    lines.map((line, i) => (i === index ? replacement : line)).join('\n');

  it.each([
    ['a line that is not JSON', '{"id": "x", ', /copy\.jsonl:3: not valid JSON/],
    [
      'a missing stem',
      '{"id": "x", "question": {"choices": []}, "answerKey": "A"}',
      /copy\.jsonl:3: "question\.stem" must be/,
    ],
    [
      'four choices in CSQA',
      JSON.stringify({
        id: 'x',
        question: { stem: 's', choices: 'ABCD'.split('').map((label) => ({ label, text: label })) },
        answerKey: 'A',
      }),
      /copy\.jsonl:3: expected 5 choices, found 4/,
    ],
    [
      'an answer key that is no label',
      JSON.stringify({
        id: 'x',
        question: {
          stem: 's',
          choices: 'ABCDE'.split('').map((label) => ({ label, text: label })),
        },
        answerKey: 'F',
      }),
      /copy\.jsonl:3: "answerKey" "F" is not one of the choice labels/,
    ],
    [
      'labels out of order',
      JSON.stringify({
        id: 'x',
        question: {
          stem: 's',
          choices: 'BACDE'.split('').map((label) => ({ label, text: label })),
        },
        answerKey: 'A',
      }),
      /copy\.jsonl:3: choice 0 has label "B", expected "A"/,
    ],
  ])('refuses %s, naming file and line', (_, replacement, message) => {
    expect(() => parse('csqa', withLine(2, replacement))).toThrow(message);
    expect(() => parse('csqa', withLine(2, replacement))).toThrow(DatasetError);
  });

  it('refuses a duplicate id', () => {
    expect(() => parse('csqa', withLine(3, lines[0] as string))).toThrow(
      /copy\.jsonl:4: duplicate id "1afa02df02c908a558b4036e80242fac" \(first at:1\)/,
    );
  });

  it('skips and counts malformed lines when lenient', () => {
    const { questions, skipped } = parse('csqa', withLine(1, 'garbage'), true);
    expect(questions).toHaveLength(3);
    expect(skipped).toEqual([
      { location: { line: 2 }, reason: expect.stringMatching(/^not valid JSON/) },
    ]);
  });

  it('refuses a StrategyQA item without a yes/no answer, naming its index', () => {
    const items = JSON.parse(read(files.strategyTrain)).slice(0, 3);
    items[1].answer = 'Maybe.';
    expect(() => parse('strategyqa', JSON.stringify(items))).toThrow(
      'copy.jsonl item 1: "answer" must be "Yes." or "No." (or a boolean), got "Maybe."',
    );
    expect(parse('strategyqa', JSON.stringify(items), true).skipped).toHaveLength(1);
    expect(() => parse('strategyqa', '{"question": "x"}')).toThrow(
      'copy.jsonl: expected a JSON array of questions',
    );
  });

  it('reads OBQA lines with the wrong option count as errors', () => {
    const csqaLine = lines[0] as string;
    expect(() => parse('obqa', csqaLine)).toThrow(/expected 4 choices, found 5/);
  });
});
