import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseProfile } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import { interruptAt } from '../test-utils/capture-io.js';
import { run, runWith } from '../test-utils/run-cli-captured.js';
import { storiesWithQuestions } from '../test-utils/stories-bundle.js';

const { dir, bundle, questions: calib } = await storiesWithQuestions('search', 'calib');

// stories260K does not reason, so its accuracy is 0 and every budget is feasible: these
// tests check the pipeline (evaluator, latency model, checkpoint, profile), not the method.
describe('litestage search', () => {
  const out = join(dir, 'profile.json');
  const args = [
    'search',
    '--bundle',
    bundle,
    '--calib',
    calib,
    '--max-budget',
    '1',
    '--thresholds',
    '0.5',
    '--out',
    out,
  ];
  // `run` with the searched profile against full depth, on the calibration questions.
  const compareArgs = [
    'run',
    '--bundle',
    bundle,
    '--profile',
    out,
    '--dataset',
    calib,
    '--compare-full',
  ];

  it('writes a valid profile with its provenance and keeps a checkpoint', async () => {
    const result = await run(...args);
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /profile\.json: accuracy 0\.0% -> 0\.0%, latency \d+ -> \d+ ms \(\d+\.\d\dx, model\); skipped per stage: recall \d/,
    );
    const profile = parseProfile(await readFile(out, 'utf8'));
    expect(profile.provenance?.latencyMethod).toBe('model');
    expect(profile.provenance?.ranking.entries).toHaveLength(10);
    expect(profile.provenance?.calibration.size).toBe(3);
    expect(profile.provenance?.trace[0]?.step).toBe('baseline');
    expect((await stat(`${out}.checkpoint.json`)).size).toBeGreaterThan(100);
    expect((await run('profile', 'validate', out)).code).toBe(0);
    // Every phase shows its progress on stderr, a terminal or not.
    expect(result.err).toMatch(/^3\/3 questions ranked\b/m);
    expect(result.err).toMatch(/^1\/1 latency model measured\b/m);
    expect(result.err).toMatch(/^3\/3 budgets evaluated\b/m);
    expect(result.err).toMatch(/^1\/1 thresholds evaluated\b/m);
  });

  it('resumes from its checkpoint without evaluating again', async () => {
    const before = await readFile(out, 'utf8');
    const again = await run(
      ...args.slice(0, -1),
      join(dir, 'again.json'),
      '--checkpoint',
      `${out}.checkpoint.json`,
    );
    expect(again.code).toBe(0);
    expect(again.err).toMatch(
      /^litestage: resuming from .*profile\.json\.checkpoint\.json: (\d+) of \d+ evaluations cached\n/,
    );
    expect(again.out).toMatch(/; 0 question evaluations run, \d+ cached \(exhaustive: \d+\)\n$/);
    const first = parseProfile(before);
    const second = parseProfile(await readFile(join(dir, 'again.json'), 'utf8'));
    expect(second.stages).toEqual(first.stages);
    expect(second.provenance?.cost).toEqual(first.provenance?.cost);
  });

  it('checks its options before any work', async () => {
    expect((await run(...args, '--window', '0')).err).toMatch(
      /--window <n>' argument '0' is invalid\. expected an integer >= 1\./,
    );
    expect((await run(...args, '--thresholds', '0.3,1.5')).err).toMatch(
      /expected probabilities in \[0, 1\]/,
    );
  });

  it('refuses a corrupt or foreign checkpoint with one line', async () => {
    const corrupt = join(dir, 'corrupt.json');
    await writeFile(corrupt, '{ not json');
    const bad = await run(...args, '--checkpoint', corrupt);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(
      /^litestage: .*corrupt\.json is not a usable search checkpoint \(not a JSON object\); delete it to start the search over\n$/,
    );
    const foreign = await run(
      ...args,
      '--checkpoint',
      `${out}.checkpoint.json`,
      '--epsilon',
      '0.1',
    );
    expect(foreign.code).toBe(1);
    expect(foreign.err).toMatch(
      /profile\.json\.checkpoint\.json belongs to another search \(the search options differ\)/,
    );
  });

  it('evaluates in worker threads to the same profile', async () => {
    const parallel = join(dir, 'parallel.json');
    const result = await run(
      ...args.slice(0, -1),
      parallel,
      '--workers',
      '2',
      '--checkpoint',
      join(dir, 'parallel.checkpoint.json'),
    );
    expect(result.code).toBe(0);
    const one = parseProfile(await readFile(out, 'utf8'));
    const two = parseProfile(await readFile(parallel, 'utf8'));
    // Latency models are measured anew per run, so choices between near-equal candidates may
    // differ; what the workers compute (ranking, the baseline's answers) must not.
    expect(two.provenance?.ranking.entries.map((e) => e.id)).toEqual(
      one.provenance?.ranking.entries.map((e) => e.id),
    );
    expect(two.provenance?.baseline.accuracy).toBe(one.provenance?.baseline.accuracy);
    expect(two.provenance?.baseline.tokensPerStage).toEqual(
      one.provenance?.baseline.tokensPerStage,
    );
    expect((await run(...args, '--workers', '2', '--latency', 'measured')).err).toMatch(
      /use --latency model/,
    );
  });

  it('refuses a --queue that is no Redis URL, and --queue with measured latency, before any work', async () => {
    const notUrl = await run(...args, '--queue', 'localhost:6379');
    expect(notUrl.code).toBe(1);
    expect(notUrl.err).toBe(
      'litestage: "localhost:6379" is not a Redis URL (scheme localhost); expected redis://host:port[/db]\n',
    );
    const measured = await run(...args, '--queue', 'redis://127.0.0.1:1', '--latency', 'measured');
    expect(measured.code).toBe(1);
    expect(measured.err).toMatch(
      /^litestage: --queue runs questions on other machines.*use --latency model/,
    );
    const unreachable = await run(...args, '--queue', 'redis://127.0.0.1:1');
    expect(unreachable.code).toBe(1);
    expect(unreachable.err).toMatch(
      /^litestage: cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED 127\.0\.0\.1:1\n.*nothing was queued/s,
    );
  });

  it('checks that it can write --out and the checkpoint before any work', async () => {
    const missing = join(dir, 'no-such-folder', 'p.json');
    const result = await run(...args.slice(0, -1), missing);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(
      `litestage: cannot write ${missing}: the folder ${join(dir, 'no-such-folder')} does not exist\n`,
    );
    expect(result.err).not.toMatch(/ranked|latency model/);
    const checkpoint = join(dir, 'no-such-folder', 'c.json');
    const elsewhere = await run(...args, '--checkpoint', checkpoint);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.err).toMatch(/^litestage: cannot write .*c\.json: the folder/);
  });

  it('marks its required options in its help', async () => {
    const { out } = await run('search', '--help');
    // Commander wraps long help: the mark ends the option's text, before the next option.
    expect(out).toMatch(
      /--calib <file\.jsonl> +calibration questions[\s\S]*?\(required\)\n {2}--limit/,
    );
    expect(out).toMatch(/--out <profile\.json> +the profile to write \(required\)/);
    expect(out).toMatch(/--threads <n> +CPU threads \(0 or omitted: the backend chooses\)/);
  });

  it('exits 130 from an interrupted comparison, and says so', async () => {
    const result = await runWith(interruptAt('1/3 questions'), ...compareArgs, '--json');
    expect(result.code).toBe(130);
    const parsed = JSON.parse(result.out);
    expect(parsed.interrupted).toBe(true);
    expect(parsed.questions).toBe(1);
    expect(result.err).toMatch(/litestage: interrupted after 1 of 3 questions\n$/);
  });

  it('compares a profile with full depth on the same questions', async () => {
    const result = await run(...compareArgs);
    expect(result.code).toBe(0);
    expect(result.err).toMatch(/^3\/3 questions\b/m);
    expect(result.out).toMatch(
      /^questions 3 \(profile and full depth interleaved\)\nfull depth: accuracy 0\.0% .*\nprofile: {4}accuracy 0\.0% .*\ndifference 0\.0 points \(paired 95% CI -?\d+\.\d to \d+\.\d\); speedup \d+\.\d\dx\n/,
    );
  });
});
