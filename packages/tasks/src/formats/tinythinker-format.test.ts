import { readFileSync } from 'node:fs';
import type { Question } from '@litestage/core';
import { fixturePath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { parseDataset } from '../datasets/real-datasets.js';
import { expectTinyThinkerExemplars } from '../test-utils/expect-tinythinker-exemplars.js';
import { readTinyThinkerExemplars } from './few-shot.js';
import { getTaskFormat, listTaskFormats, registerTaskFormat } from './format-registry.js';
import { createTinyThinkerFormat, renderTinyThinkerQuestion } from './tinythinker-format.js';

const csqaDev = fixturePath('tinythinker/csqa/original/first-40/dev_rand_split.jsonl');
const firstCsqaLine = readFileSync(csqaDev, 'utf8').split('\n')[0] as string;

const question: Question = {
  id: 'q1',
  question: 'Which creature lives in the desert?',
  options: ['blorp', 'zindle'],
  answer: 'B',
};

describe('the TinyThinker format', () => {
  it('renders a real CommonsenseQA line exactly', () => {
    const [real] = parseDataset('csqa', firstCsqaLine, { source: csqaDev }).questions;
    const format = createTinyThinkerFormat();
    expect(format.stagePrompt(real as Question, [])).toBe(
      'A revolving door is convenient for two direction travel, but it also serves as a security measure at a what?\n' +
        '(A) bank (B) library (C) department store (D) mall (E) new york\n' +
        'Recall:',
    );
  });

  it('builds each stage prompt on the previous one and its output', () => {
    const format = createTinyThinkerFormat();
    const outputs = [
      '(A) blorp lives in the swamp.',
      'For option A, ... For option B, ...',
      'So the answer is option B.',
    ];
    expect(format.stages.map((s) => [s.name, s.prefix, s.stopStrings])).toEqual([
      ['recall', 'Recall:', ['\n']],
      ['analyze', 'Analyze:', ['\n']],
      ['summarize', 'Summarize:', ['\n']],
    ]);
    for (let k = 1; k < format.stages.length; k++) {
      const before = format.stagePrompt(question, outputs.slice(0, k - 1));
      const after = format.stagePrompt(question, outputs.slice(0, k));
      expect(after.startsWith(`${before} ${outputs[k - 1]}\n`)).toBe(true);
      expect(after.endsWith(format.stages[k]?.prefix ?? '?')).toBe(true);
    }
    expect(format.renderTrace(question, outputs)).toBe(
      'Which creature lives in the desert?\n(A) blorp (B) zindle\n' +
        'Recall: (A) blorp lives in the swamp.\n' +
        'Analyze: For option A, ... For option B, ...\n' +
        'Summarize: So the answer is option B.\n',
    );
    expect(() => format.stagePrompt(question, outputs)).toThrow(/stage index 3 is out of range/);
    expect(() => format.renderTrace(question, outputs.slice(0, 2))).toThrow(
      /needs 3 stage outputs/,
    );
  });

  it('reads the answer from the summarize stage only', () => {
    const format = createTinyThinkerFormat();
    expect(format.parseAnswer(question, ['', '', 'So the answer is option B.'])).toEqual({
      ok: true,
      answer: 'B',
    });
    expect(
      format.parseAnswer(question, ['So the answer is option A.', '', 'unsure']),
    ).toMatchObject({
      ok: false,
      reason: 'missing',
    });
    expect(format.parseAnswer(question, ['recall only'])).toMatchObject({
      ok: false,
      reason: 'missing',
    });
  });

  it('renders options with their labels', () => {
    expect(renderTinyThinkerQuestion({ id: 'x', question: 'Q?', options: ['a', 'b', 'c'] })).toBe(
      'Q?\n(A) a (B) b (C) c\n',
    );
  });
});

describe('few-shot preambles from TinyThinker exemplars', () => {
  // OBQA's exemplars are not committed: tinythinker-format.data.test.ts reads them.
  it.each(['csqa', 'strategyqa'])('reads the real %s exemplars', (name) => {
    expectTinyThinkerExemplars(fixturePath(`tinythinker/${name}/prompt/${name}_cot.json`));
  });

  it('puts solved examples before the question', () => {
    const file = fixturePath('tinythinker/csqa/prompt/csqa_cot.json');
    const examples = readTinyThinkerExemplars(readFileSync(file, 'utf8'), file);
    const format = createTinyThinkerFormat({ fewShot: examples.slice(0, 2) });
    const prompt = format.stagePrompt(question, []);
    expect(prompt).toMatch(
      /^What do people use to absorb extra ink from a fountain pen\?\n\(A\) shirt pocket \(B\) calligrapher's hand \(C\) inkwell \(D\) desk drawer \(E\) blotter\nRecall: People use .*\nAnalyze: For option A, a shirt pocket .*, so it is wrong\. .*For option E, a blotter is designed .*, so it is right\.\nSummarize: So the answer is option E\.\n\n/,
    );
    expect(
      prompt.endsWith('\n\nWhich creature lives in the desert?\n(A) blorp (B) zindle\nRecall:'),
    ).toBe(true);
    expect(prompt.split('Summarize: So the answer is option').length - 1).toBe(2);
  });

  it('names the file and item of a broken exemplar', () => {
    const broken = JSON.stringify([
      {
        Q: 'Q?',
        Options: 'A. x, B. y',
        'Key Information': 'k',
        Explanations: ['A is correct. Because x.', 'B is correct. Because y.'],
      },
    ]);
    expect(() => readTinyThinkerExemplars(broken, 'shots.json')).toThrow(
      'shots.json item 0: expected exactly one correct option, found 2',
    );
    expect(() => readTinyThinkerExemplars('{}', 'shots.json')).toThrow(
      'shots.json: expected a JSON array',
    );
    const badOptions = JSON.stringify([
      { Q: 'Q?', Options: 'x or y', 'Key Information': 'k', Explanations: [] },
    ]);
    expect(() => readTinyThinkerExemplars(badOptions, 'shots.json')).toThrow(
      /item 0: cannot read "Options"/,
    );
  });
});

describe('the format registry', () => {
  it('has TinyThinker built in and takes plugins by name', () => {
    expect(listTaskFormats()).toContain('tinythinker');
    expect(getTaskFormat('tinythinker').stages).toHaveLength(3);
    const twoStage = createTinyThinkerFormat();
    registerTaskFormat('two-stage-test', () => ({
      ...twoStage,
      id: 'two-stage-test',
      stages: twoStage.stages.slice(1),
    }));
    expect(getTaskFormat('two-stage-test').stages.map((s) => s.name)).toEqual([
      'analyze',
      'summarize',
    ]);
    expect(() => registerTaskFormat('two-stage-test', () => twoStage)).toThrow(
      /already registered/,
    );
    expect(() => getTaskFormat('nope')).toThrow(
      /unknown task format "nope"; registered formats: .*tinythinker/,
    );
    expect(() => registerTaskFormat('Bad Name', () => twoStage)).toThrow(/format name/);
  });

  it('names the synthetic task: TinyThinker prompts and parsing under its own id', () => {
    const synthetic = getTaskFormat('synthetic');
    const tinythinker = getTaskFormat('tinythinker');
    expect(synthetic.id).toBe('synthetic');
    expect(synthetic.stages).toEqual(tinythinker.stages);
    const question = { id: 'q', question: 'Which?', options: ['a', 'b'] };
    expect(synthetic.stagePrompt(question, ['x'])).toBe(tinythinker.stagePrompt(question, ['x']));
    expect(synthetic.parseAnswer(question, ['', '', 'So the answer is option B.'])).toEqual(
      tinythinker.parseAnswer(question, ['', '', 'So the answer is option B.']),
    );
  });

  it('passes options to the factory', () => {
    const format = getTaskFormat('tinythinker', { maxNewTokens: { recall: 7 } });
    expect(format.stages[0]?.maxNewTokens).toBe(7);
  });
});
