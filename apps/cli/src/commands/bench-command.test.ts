import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BenchReport, benchReportSchema } from '@litestage/benchmark';
import { demoProfilePath } from '@litestage/demo-model';
import { describe, expect, it } from 'vitest';
import { run, testFolder } from '../test-utils/run-cli-captured.js';

const dir = await testFolder('bench');
const common = ['--split', 'test', '--limit', '3', '--threads', '1'];
// Two calibration questions and budgets up to 6: a search of seconds.
const search = ['--calib-limit', '2', '--max-budget', '6'];

async function readReport(out: string): Promise<BenchReport> {
  return benchReportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
}

describe('litestage bench', () => {
  it('searches, runs every method on the same questions, and resumes to the same report', async () => {
    const out = join(dir, 'run');
    const methods = ['--methods', 'full,uniform,litestage'];
    const first = await run('bench', ...common, ...search, ...methods, '--out', out);
    expect(first.code, first.err).toBe(0);
    const report = await readReport(out);
    expect(report.methods.map((m) => m.name)).toEqual([
      'full',
      'uniform',
      'litestage',
      'litestage/kv-reuse',
      'litestage/no-prefill-skip',
    ]);
    expect(report.questions.count).toBe(3);
    expect(report.calibration?.count).toBe(2);
    for (const m of report.methods) {
      expect(m.status).toBe('ok');
      expect(m.answered).toBe(3);
    }
    const uniform = report.methods[1];
    const skipped = Object.values(uniform?.profile.skipped ?? {});
    expect(new Set(skipped).size).toBe(1);
    expect(report.commands[0]).toMatch(
      /^litestage bench .*--methods full,uniform,litestage .*--out /,
    );
    const md = await readFile(join(out, 'report.md'), 'utf8');
    expect(md.split('\n').filter((l) => /^\| (full|uniform|litestage)/.test(l))).toHaveLength(5);
    expect(await readFile(join(out, 'accuracy-vs-speedup.svg'), 'utf8')).toMatch(/^<svg/);
    // Each searched profile is kept, and a rerun takes everything from the earlier run.
    const profile = JSON.parse(await readFile(join(out, 'profiles', 'uniform.json'), 'utf8'));
    expect(profile.provenance.strategy).toBe('uniform');
    const again = await run('bench', ...common, ...search, ...methods, '--out', out);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toMatch(/15 outcomes taken from the earlier run/);
    expect(again.err).not.toMatch(/to search/);
    const { createdAt: _a, ...rest } = await readReport(out);
    const { createdAt: _b, ...before } = report;
    expect(rest).toEqual(before);
    // The variants were not searched as such: no predicted speedup of their own.
    expect(report.methods[3]?.profile.searchedSpeedup).toBeNull();
    expect(report.methods[2]?.profile.searchedSpeedup).toBeGreaterThan(0);
    // Another epsilon would mix two benches in one folder.
    const other = await run(
      'bench',
      ...common,
      ...search,
      ...methods,
      '--epsilon',
      '0.1',
      '--out',
      out,
    );
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/holds a bench run with other epsilon; give another --out/);
  }, 300_000);

  it('takes a method’s profile from --profiles instead of searching', async () => {
    const profiles = join(dir, 'given');
    await mkdir(profiles, { recursive: true });
    await copyFile(demoProfilePath('v2'), join(profiles, 'litestage.json'));
    const out = join(dir, 'given-out');
    const result = await run(
      'bench',
      ...common,
      '--methods',
      'full,litestage',
      '--no-variants',
      '--profiles',
      profiles,
      '--out',
      out,
    );
    expect(result.code, result.err).toBe(0);
    expect(result.err).not.toMatch(/to search/);
    const report = await readReport(out);
    // The shipped profile's own calibration questions.
    expect(report.calibration?.count).toBe(100);
    expect(report.methods.map((m) => m.name)).toEqual(['full', 'litestage']);
    expect(report.methods[1]?.profile.skipped).toEqual({ recall: 24, analyze: 17, summarize: 28 });
  });

  it('refuses unknown methods, a missing baseline and missing questions', async () => {
    const out = join(dir, 'bad');
    const unknown = await run('bench', ...common, '--methods', 'full,nope', '--out', out);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/unknown method nope; known: full, uniform/);
    const noFull = await run('bench', ...common, '--methods', 'uniform', '--out', out);
    expect(noFull.err).toMatch(/--methods must include full/);
    const noQuestions = await run('bench', '--methods', 'full', '--out', out);
    expect(noQuestions.err).toMatch(/give one of --test <file> or --split test/);
  });
});
