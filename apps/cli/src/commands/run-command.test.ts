import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interruptAt } from '../test-utils/capture-io.js';
import { run, runWith } from '../test-utils/run-cli-captured.js';
import { storiesWithQuestions } from '../test-utils/stories-bundle.js';

const { dir, bundle, questions: dataset } = await storiesWithQuestions('run', 'test');

/** Asks the stories bundle one two-option question, with `answer` as its gold label. */
function askWhichIsRed(answer: string) {
  return run(
    'run',
    '--bundle',
    bundle,
    '--question',
    'Which is red?',
    '--options',
    'apple|sky',
    '--answer',
    answer,
  );
}

describe('litestage run without --bundle', () => {
  it('answers with the demo reasoner of @litestage/demo-model', async () => {
    const { code, out } = await run('run', '--synthetic', 'test', '--limit', '5', '--json');
    expect(code).toBe(0);
    const { summary, results } = JSON.parse(out);
    expect(summary.n).toBe(5);
    // A reasoner, not a story model: recalled option sentences and readable answers.
    expect(results[0].stages[0].text).toMatch(/^\(A\) [a-z]+ /);
    expect(summary.parseFailureRate).toBe(0);
    expect(summary.correct).toBeGreaterThan(0);
  });
});

// stories260K tells stories rather than reasoning: these tests check the pipeline, not accuracy.
describe('litestage run', () => {
  it('answers one question through every stage', async () => {
    const { code, out } = await askWhichIsRed('A');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^Recall: .*\nAnalyze: .*\nSummarize: .*\n(answer [AB]|no answer \((missing|ambiguous|out-of-range)\)), (correct|wrong); \d+ ms: recall \d+ tokens/,
    );
  });

  it('scores a dataset and reports accuracy, latency and tokens per stage', async () => {
    const { code, out } = await run(
      'run',
      '--bundle',
      bundle,
      '--dataset',
      dataset,
      '--limit',
      '2',
    );
    expect(code).toBe(0);
    expect(out).toMatch(
      /^accuracy \d+\.\d% \(\d\/2; 95% CI \d+\.\d-\d+\.\d%\), answers unreadable \d+\.\d%\nmean latency \d+ ms per question\n {2}recall: /,
    );
    expect(out).toMatch(/\n {2}summarize: \d+\.\d tokens, \d+ ms \(/);
  });

  it('answers generated synthetic questions', async () => {
    const { code, out } = await run(
      'run',
      '--bundle',
      bundle,
      '--synthetic',
      'test',
      '--limit',
      '2',
      '--json',
    );
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.results.map((r: { questionId: string }) => r.questionId)).toEqual([
      'synthetic-v1-seed1-n160/test/s1/000000',
      'synthetic-v1-seed1-n160/test/s1/000001',
    ]);
  });

  it('prints one JSON result with --json', async () => {
    const { code, out } = await run('run', '--bundle', bundle, '--dataset', dataset, '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(out);
    expect(parsed.summary.n).toBe(3);
    expect(parsed.results).toHaveLength(3);
    expect(parsed.results[0].stages.map((s: { name: string }) => s.name)).toEqual([
      'recall',
      'analyze',
      'summarize',
    ]);
  });

  it('refuses a profile made for another model before running', async () => {
    const profile = join(dir, 'foreign.json');
    await writeFile(
      profile,
      JSON.stringify({
        schemaVersion: 1,
        model: {
          name: 'other',
          architecture: 'llama',
          numLayers: 5,
          fingerprint: `sha256:${'1'.repeat(64)}`,
        },
        task: { format: 'tinythinker', stages: ['recall', 'analyze', 'summarize'] },
        stages: {
          recall: { skip: [], earlyExit: null, maxNewTokens: 8 },
          analyze: { skip: [], earlyExit: null, maxNewTokens: 8 },
          summarize: { skip: [], earlyExit: null, maxNewTokens: 8 },
        },
        runtime: { kvPolicy: 'reprefill', skipInPrefill: true },
      }),
    );
    const result = await run('run', '--bundle', bundle, '--profile', profile, '--dataset', dataset);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toMatch(
      /^litestage: the profile was made for model "other" \(sha256:1111.*\), but the bundle is "stories260K"/,
    );
  });

  it('needs exactly one source of questions', async () => {
    expect((await run('run', '--bundle', bundle)).err).toBe(
      'litestage: give one of --question (with --options), --dataset or --synthetic\n',
    );
    expect(
      (await run('run', '--bundle', bundle, '--question', 'Q?', '--options', 'only')).err,
    ).toBe('litestage: a question needs at least two --options, separated by "|"\n');
  });
});

describe('litestage run, as a new user meets it', () => {
  it('exits 130 after its partial summary when interrupted, and says so', async () => {
    const { code, out, err } = await runWith(
      interruptAt('1/3 questions'),
      'run',
      '--bundle',
      bundle,
      '--dataset',
      dataset,
      '--json',
    );
    expect(code).toBe(130);
    const parsed = JSON.parse(out);
    expect(parsed.interrupted).toBe(true);
    expect(parsed.summary.n).toBe(1);
    expect(err).toMatch(/litestage: interrupted after 1 of 3 questions\n$/);
  });

  it('reports the answers of questions without gold answers instead of an accuracy', async () => {
    const unlabelled = join(dir, 'unlabelled.jsonl');
    await writeFile(
      unlabelled,
      ['q1', 'q2']
        .map((id) =>
          JSON.stringify({
            id,
            task: 'mine',
            question: 'Which is red?',
            options: ['apple', 'sky'],
          }),
        )
        .join('\n'),
    );
    const { code, out } = await run('run', '--bundle', bundle, '--dataset', unlabelled);
    expect(code).toBe(0);
    expect(out).not.toMatch(/accuracy/);
    expect(out).toMatch(/^no gold answers: nothing to score\n {2}q1: (answer [AB]|no answer)/);
    expect(out).toMatch(/\n {2}q2: (answer [AB]|no answer)/);
  });

  it("checks --answer against the options' labels", async () => {
    for (const answer of ['d', 'Z', 'C']) {
      const result = await askWhichIsRed(answer);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `litestage: --answer "${answer}" is not one of the options' labels (A, B)\n`,
      );
    }
  });

  it('warns when the demo reasoner gets another number of options than it was trained on', async () => {
    const { code, err } = await run(
      'run',
      '--question',
      'Which creature lives in the desert?',
      '--options',
      'blorp|zindle',
    );
    expect(code).toBe(0);
    expect(err).toMatch(
      /^litestage: warning: the demo reasoner was trained on questions with 4 options, not 2/,
    );
  });

  it('shows progress on stderr when it is not a terminal', async () => {
    const { code, err } = await run('run', '--bundle', bundle, '--dataset', dataset, '--json');
    expect(code).toBe(0);
    expect(err).toMatch(/^3\/3 questions, accuracy \d+\.\d% \(\d+ s\)\n/);
  });

  it('documents --threads 0', async () => {
    const { out } = await run('run', '--help');
    expect(out).toMatch(/--threads <n> +CPU threads \(0 or omitted: the backend chooses\)/);
  });
});
