import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProfile } from '@litestage/profile';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { captureIo } from '../test-utils/capture-io.js';

const stories = fileURLToPath(new URL('../../../../../shared/data/stories260k/', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'litestage-search-'));
const bundle = join(dir, 'stories');
const calib = join(dir, 'calib.jsonl');
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  expect(
    (
      await run(
        'convert',
        join(stories, 'stories260K.bin'),
        '--tokenizer',
        join(stories, 'tok512.bin'),
        '--out',
        bundle,
        '--no-plain',
      )
    ).code,
  ).toBe(0);
  expect(
    (
      await run(
        'task',
        'export',
        '--task',
        'synthetic',
        '--split',
        'calib',
        '--limit',
        '3',
        '--out',
        calib,
      )
    ).code,
  ).toBe(0);
});

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
    expect(foreign.err).toMatch(/belongs to another search \(the search options differ\)/);
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

  it('compares a profile with full depth on the same questions', async () => {
    const result = await run(
      'run',
      '--bundle',
      bundle,
      '--profile',
      out,
      '--dataset',
      calib,
      '--compare-full',
    );
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /^questions 3 \(profile and full depth interleaved\)\nfull depth: accuracy 0\.0% .*\nprofile: {4}accuracy 0\.0% .*\ndifference 0\.0 points \(paired 95% CI -?\d+\.\d to \d+\.\d\); speedup \d+\.\d\dx\n/,
    );
  });
});
