import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { expectDatasetExport } from '../test-utils/expect-dataset-export.js';
import { run, testFolder } from '../test-utils/run-cli-captured.js';

const dir = await testFolder('task');

describe('litestage task export', () => {
  it('prints synthetic questions as JSONL with three gold stage texts', async () => {
    const exportFive = () =>
      run(
        'task',
        'export',
        '--task',
        'synthetic',
        '--split',
        'train',
        '--limit',
        '5',
        '--seed',
        '1',
      );
    const { code, out, err } = await exportFive();
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    for (const line of lines) {
      const record = JSON.parse(line);
      expect(record).toMatchObject({
        task: 'synthetic',
        options: expect.any(Array),
        answer: expect.stringMatching(/^[A-D]$/),
      });
      expect(Object.keys(record.gold)).toEqual(['recall', 'analyze', 'summarize']);
      expect(record.gold.summarize).toBe(`So the answer is option ${record.answer}.`);
    }
    const again = await exportFive();
    expect(again.out).toBe(out);
  });

  it('writes a real dataset subset to a file', async () => {
    // The committed CSQA slice; task-command.data.test.ts exports from OBQA.
    await expectDatasetExport(
      dir,
      'csqa',
      fixturePath('tinythinker/csqa/original/first-40/dev_rand_split.jsonl'),
      5,
    );
  });

  it('reports bad requests on one line', async () => {
    expect(await run('task', 'export', '--task', 'csqa')).toEqual({
      code: 1,
      out: '',
      err: 'litestage: --file is required for csqa: the dataset file to read\n',
    });
    const badLimit = await run('task', 'export', '--task', 'synthetic', '--limit', 'ten');
    expect(badLimit.code).not.toBe(0);
    expect(badLimit.err).toBe(
      "litestage: option '--limit <n>' argument 'ten' is invalid. expected a non-negative integer.\n",
    );
    const badTask = await run('task', 'export', '--task', 'gsm8k');
    expect(badTask.err).toMatch(
      /argument 'gsm8k' is invalid\. expected one of synthetic, csqa, obqa, strategyqa\./,
    );
    const missing = await run(
      'task',
      'export',
      '--task',
      'strategyqa',
      '--file',
      join(dir, 'nope.json'),
    );
    expect(missing).toEqual({
      code: 1,
      out: '',
      err: `litestage: ${join(dir, 'nope.json')}: file not found\n`,
    });
  });
});

describe('litestage task show', () => {
  it('prints every stage prompt and gold output of a synthetic question', async () => {
    const { code, out } = await run(
      'task',
      'show',
      '--task',
      'synthetic',
      '--split',
      'test',
      '--index',
      '2',
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /^# synthetic-v1-seed1-n160\/test\/s1\/000002 \(synthetic\), answer [A-D]\n/,
    );
    expect(out).toMatch(
      /## recall: prompt\nWhich creature [^\n]+\?\n\(A\) \w+ \(B\) \w+ \(C\) \w+ \(D\) \w+\nRecall:\n## recall: gold output\n\(A\) /,
    );
    expect(out).toMatch(
      /## summarize: prompt\n[\s\S]*\nAnalyze: For option A, [^\n]+\nSummarize:\n## summarize: gold output\nSo the answer is option [A-D]\.\n$/,
    );
  });
});

describe('litestage task world', () => {
  it('writes the world with its facts', async () => {
    const { code, out } = await run('task', 'world');
    expect(code).toBe(0);
    const world = JSON.parse(out);
    expect(world.id).toBe('synthetic-v1-seed1-n160');
    expect(world.creatures).toHaveLength(160);
    expect(world.facts).toHaveLength(960);
  });
});

describe('output paths', () => {
  it('refuses an output under a missing folder with the folder named, before any work', async () => {
    for (const argv of [
      ['task', 'export', '--task', 'synthetic', '--split', 'calib', '--limit', '3'],
      ['task', 'world'],
    ]) {
      const out = join(dir, 'no-such-folder', 'out.json');
      const { code, err } = await run(...argv, '--out', out);
      expect(code).toBe(1);
      expect(err).toContain(
        `litestage: cannot write ${out}: the folder ${join(dir, 'no-such-folder')} does not exist`,
      );
      expect(err).toContain('litestage: hint: create the folder first');
      expect(err).not.toMatch(/unexpected error|ENOENT|\.tmp/);
    }
  });
});
