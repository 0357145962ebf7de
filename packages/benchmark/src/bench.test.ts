import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BenchMethod,
  FileOutcomeStore,
  MemoryOutcomeStore,
  type MethodRuns,
  runMethods,
} from './method-runs.js';
import { type BenchReport, benchReportSchema, buildReport, type ReportedMethod } from './report.js';
import { accuracySpeedupOption, accuracySpeedupSvg } from './report-chart.js';
import { reportMarkdown } from './report-markdown.js';
import { fakeEngine, fakeProfile, questions } from './test-utils/fake-engines.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** Three methods: full depth, a faster one that misses two questions, and one that exits early. */
function methods(calls: Record<string, string[]> = {}, failOn?: string): BenchMethod[] {
  const log = (name: string) => {
    calls[name] = [];
    return calls[name];
  };
  return [
    { name: 'full', engine: fakeEngine({ ms: (i) => 100 + i, calls: log('full') }) },
    {
      name: 'fast',
      engine: fakeEngine({
        ms: (i) => 50 + i,
        wrong: (i) => i === 3 || i === 7,
        calls: log('fast'),
        ...(failOn ? { failOn } : {}),
      }),
    },
    {
      name: 'exit',
      engine: fakeEngine({
        ms: () => 80,
        exits: (i) => i % 3 === 0,
        unparsed: (i) => i === 5,
        calls: log('exit'),
      }),
    },
  ];
}

const reported: ReportedMethod[] = [
  { name: 'full', description: 'no skipping', profile: fakeProfile(0) },
  { name: 'fast', description: 'skips three', profile: fakeProfile(3) },
  { name: 'exit', description: 'exits early', profile: fakeProfile(1) },
];

function report(runs: MethodRuns): BenchReport {
  return buildReport({
    meta: {
      createdAt: '2026-12-03T00:00:00.000Z',
      model: { name: 'fake', fingerprint: 'sha256:f0', numLayers: 4 },
      task: 'fake',
      machine: { cpu: 'test', cores: 2 },
      questions: { source: 'fake', count: questions.length },
      calibration: null,
      commands: ['litestage bench --bundle fake'],
      baseline: 'full',
    },
    methods: reported,
    runs,
  });
}

describe('runMethods', () => {
  it('interleaves: question i starts with method i mod M, every method answers every question', async () => {
    const order: string[] = [];
    const ms = methods();
    const traced = ms.map((m) => ({
      name: m.name,
      engine: {
        ...m.engine,
        run: (q: Parameters<typeof m.engine.run>[0]) => {
          order.push(`${q.id}:${m.name}`);
          return m.engine.run(q);
        },
      },
    }));
    const runs = await runMethods({ methods: traced, questions: questions.slice(0, 4) });
    expect(order).toEqual([
      'q0:full',
      'q0:fast',
      'q0:exit',
      'q1:fast',
      'q1:exit',
      'q1:full',
      'q2:exit',
      'q2:full',
      'q2:fast',
      'q3:full',
      'q3:fast',
      'q3:exit',
    ]);
    expect(runs.outcomes.get('fast')?.map((o) => o?.questionId)).toEqual(['q0', 'q1', 'q2', 'q3']);
    expect(runs.interrupted).toBe(false);
  });

  it('reports a method that fails mid-run while the others finish', async () => {
    const calls: Record<string, string[]> = {};
    const store = new MemoryOutcomeStore();
    const runs = await runMethods({ methods: methods(calls, 'q5'), questions, store });
    expect(calls.fast).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
    expect(calls.full).toHaveLength(questions.length);
    expect(calls.exit).toHaveLength(questions.length);
    const r = report(runs);
    const fast = r.methods.find((m) => m.name === 'fast');
    expect(fast?.status).toBe('failed');
    expect(fast?.error).toEqual({ questionId: 'q5', message: 'out of memory on q5' });
    expect(fast?.answered).toBe(5);
    expect(fast?.vsBaseline?.questions).toBe(5);
    expect(r.methods.find((m) => m.name === 'exit')?.status).toBe('ok');
    expect(reportMarkdown(r)).toMatch(/fast failed on question q5 after 5 answers: out of memory/);
    // A rerun does not try the failed method again: the report stays the same.
    const again = await runMethods({ methods: methods({}, 'q5'), questions, store });
    expect(report(again)).toEqual(r);
  });

  it('resumes an interrupted run to the same report as an uninterrupted one', async () => {
    const whole = report(await runMethods({ methods: methods(), questions }));
    const dir = await mkdtemp(join(tmpdir(), 'bench-'));
    dirs.push(dir);
    const path = join(dir, 'outcomes.jsonl');
    const controller = new AbortController();
    const first = methods();
    // Interrupt in the middle of question 6 (after its first method answered).
    let runs = 0;
    const interrupting = first.map((m) => ({
      name: m.name,
      engine: {
        ...m.engine,
        run: async (q: Parameters<typeof m.engine.run>[0]) => {
          if (++runs === 6 * 3 + 2) controller.abort();
          return m.engine.run(q);
        },
      },
    }));
    const partial = await runMethods({
      methods: interrupting,
      questions,
      store: new FileOutcomeStore(path),
      signal: controller.signal,
    });
    expect(partial.interrupted).toBe(true);
    expect(report(partial).interrupted).toBe(true);
    // A line cut off by a kill is dropped and its question run again.
    const text = await readFile(path, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(6 * 3 + 2);
    const { appendFile } = await import('node:fs/promises');
    await appendFile(path, '{"method":"full","questionId":"q6","ok":tr');

    const calls: Record<string, string[]> = {};
    const resumed = await runMethods({
      methods: methods(calls),
      questions,
      store: new FileOutcomeStore(path),
    });
    expect(resumed.resumed).toBe(6 * 3 + 2);
    // Question 6 starts with method 0 (full): full and fast were done, exit was not.
    expect(calls.exit?.[0]).toBe('q6');
    expect(calls.full?.[0]).toBe('q7');
    expect(report(resumed)).toEqual(whole);
  });

  it('refuses two methods of one name and repeated question ids', async () => {
    const [full] = methods();
    await expect(
      runMethods({ methods: [full as BenchMethod, full as BenchMethod], questions }),
    ).rejects.toThrow(/two methods are named "full"/);
    await expect(
      runMethods({
        methods: methods(),
        questions: [questions[0], questions[0]] as typeof questions,
      }),
    ).rejects.toThrow(/appears twice/);
  });
});

describe('the report', () => {
  it('has accuracy, paired change, speedup, tokens, exits and parse failures per method', async () => {
    const r = report(await runMethods({ methods: methods(), questions }));
    expect(benchReportSchema.parse(JSON.parse(JSON.stringify(r)))).toEqual(r);
    const [full, fast, exit] = r.methods;
    expect(full?.accuracy?.value).toBe(1);
    expect(full?.vsBaseline).toBeNull();
    expect(fast?.accuracy?.value).toBeCloseTo(10 / 12, 12);
    expect(fast?.vsBaseline?.difference.value).toBeCloseTo(-2 / 12, 12);
    expect(fast?.vsBaseline?.difference.lower).toBeLessThan(-2 / 12);
    expect(fast?.vsBaseline?.difference.upper).toBeGreaterThan(-2 / 12);
    const total = (f: (i: number) => number) => questions.reduce((s, _, i) => s + f(i), 0);
    expect(fast?.vsBaseline?.speedup.value).toBeCloseTo(
      total((i) => 100 + i) / total((i) => 50 + i),
      12,
    );
    expect(fast?.meanMs).toBeCloseTo(total((i) => 50 + i) / 12, 12);
    expect(fast?.profile.skipped).toEqual({ recall: 3, analyze: 3, summarize: 3 });
    expect(exit?.stages.analyze).toEqual({ meanTokens: 20, meanMs: 40, earlyExits: 4 });
    expect(exit?.stages.recall?.earlyExits).toBe(0);
    expect(exit?.parseFailures).toBe(1);
    expect(exit?.accuracy?.value).toBeCloseTo(11 / 12, 12);
    // The schema refuses a report that lost a field.
    const { methods: _dropped, ...broken } = r;
    expect(() => benchReportSchema.parse(broken)).toThrow();
  });

  it('renders Markdown with a row per method and the commands', async () => {
    const md = reportMarkdown(report(await runMethods({ methods: methods(), questions })));
    const rows = md.split('\n').filter((l) => /^\| (full|fast|exit) /.test(l));
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/^\| fast \| 83\.3 \[/);
    expect(md).toContain('litestage bench --bundle fake');
  });

  it('draws a parseable SVG with one labelled point per method', async () => {
    const r = report(await runMethods({ methods: methods(), questions }));
    const option = accuracySpeedupOption(r);
    const scatter = (option.series as { type: string; name: string; data: number[][] }[]).filter(
      (s) => s.type === 'scatter',
    );
    expect(scatter.map((s) => s.name)).toEqual(['full', 'fast', 'exit']);
    expect(scatter.map((s) => s.data.length)).toEqual([1, 1, 1]);
    expect(scatter[1]?.data[0]?.[1]).toBeCloseTo((100 * 10) / 12, 9);
    const svg = accuracySpeedupSvg(r);
    expect(XMLValidator.validate(svg)).toBe(true);
    const texts: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'text')
            texts.push(
              ...[value]
                .flat()
                .map((v) =>
                  typeof v === 'object'
                    ? String((v as Record<string, unknown>)['#text'])
                    : String(v),
                ),
            );
          walk(value);
        }
      }
    };
    walk(new XMLParser({ ignoreAttributes: false }).parse(svg));
    for (const name of ['full', 'fast', 'exit']) expect(texts).toContain(name);
  });
});
