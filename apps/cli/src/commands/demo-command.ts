import {
  DEFAULT_DEMO_VERSION,
  DEMO_MODELS,
  type DemoModelVersion,
  demoModel,
  demoProfilePath,
  openDemoBundle,
} from '@litestage/demo-model';
import type { Profile } from '@litestage/profile';
import { type Device, openRuntime } from '@litestage/runtime';
import type { EngineComparison, Interval, RunSummary } from '@litestage/tasks';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { interruptSignal } from '../interrupt-signal.js';
import type { CommandModule } from './command-module.js';
import { compareInterleaved, throwIfInterrupted } from './compare-full.js';
import { THREADS_OPTION_HELP } from './default-bundle.js';
import { DEVICE_OPTION, reportDeviceChoice } from './device-option.js';
import { nonNegativeInteger, oneOf, positiveInteger } from './option-parsers.js';
import { questionsOf, readProfileFile } from './run-questions.js';
import { FULL_DEPTH, PROFILE, pct } from './run-report.js';

interface DemoFlags {
  model: DemoModelVersion;
  limit: number;
  seed?: number;
  threads?: number;
  device: Device;
  json?: boolean;
}

/** Questions by default: about 15 s on one CPU thread for v2, both ways. */
const DEFAULT_QUESTIONS = 40;

export const demoCommand: CommandModule = {
  name: 'demo',
  register(program: Command, io: CliIo) {
    program
      .command('demo')
      .description(
        'the demo reasoner answers held-out questions full depth and with its shipped LiteStage profile, interleaved, side by side',
      )
      .option(
        '--model <version>',
        `the demo reasoner: ${Object.keys(DEMO_MODELS).join(' | ')}`,
        oneOf(Object.keys(DEMO_MODELS) as DemoModelVersion[]),
        DEFAULT_DEMO_VERSION,
      )
      .option('--limit <n>', 'how many held-out test questions', positiveInteger, DEFAULT_QUESTIONS)
      .option('--seed <n>', 'which held-out questions', nonNegativeInteger)
      .option('--threads <n>', THREADS_OPTION_HELP, nonNegativeInteger)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .option('--json', 'print one machine-readable result')
      .action(async (flags: DemoFlags) => {
        const info = demoModel(flags.model);
        const profilePath = demoProfilePath(flags.model);
        const profile = await readProfileFile(profilePath);
        const questions = await questionsOf({
          synthetic: 'test',
          limit: flags.limit,
          ...(flags.seed === undefined ? {} : { seed: flags.seed }),
        });
        const runtime = await openRuntime({
          bundle: await openDemoBundle(flags.model),
          task: info.task,
          device: flags.device,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        });
        reportDeviceChoice(io, runtime);
        const interrupt = interruptSignal(io);
        try {
          const engine = runtime.createEngine(profile);
          const comparison = await compareInterleaved(
            io,
            runtime,
            profile,
            engine,
            questions,
            interrupt.signal,
          );
          const report = demoReport(info.name, profilePath, profile, comparison);
          io.stdout(flags.json ? `${JSON.stringify(report)}\n` : demoTable(report));
          throwIfInterrupted(comparison, questions);
        } finally {
          interrupt.release();
          await runtime.dispose();
        }
      });
  },
};

interface StageFigures {
  readonly tokens: number;
  readonly ms: number;
  readonly earlyExits: number;
}

/** What `litestage demo --json` prints. */
export interface DemoReport {
  readonly model: string;
  readonly profile: string;
  readonly questions: number;
  readonly interrupted: boolean;
  readonly accuracy: { readonly fullDepth: number; readonly liteStage: number };
  readonly intervals: { readonly fullDepth: Interval; readonly liteStage: Interval };
  /** LiteStage's accuracy minus full depth's, with its paired 95% interval. */
  readonly difference: { readonly points: number } & Interval;
  readonly meanMs: { readonly fullDepth: number; readonly liteStage: number };
  readonly speedup: number;
  readonly stages: Readonly<
    Record<
      string,
      {
        readonly skipped: number;
        readonly fullDepth: StageFigures;
        readonly liteStage: StageFigures;
      }
    >
  >;
}

function demoReport(
  model: string,
  profilePath: string,
  profile: Profile,
  comparison: EngineComparison,
): DemoReport {
  const full = comparison.methods[FULL_DEPTH];
  const lite = comparison.methods[PROFILE];
  const paired = comparison.paired[PROFILE];
  if (!full || !lite || !paired) throw new Error('the comparison lacks a method');
  const figures = (
    summary: RunSummary,
    results: (typeof full)['results'],
    stage: string,
  ): StageFigures => ({
    tokens: summary.stages[stage]?.meanTokens ?? 0,
    ms: summary.stages[stage]?.meanMs ?? 0,
    earlyExits: results.filter((r) =>
      r.stages.some((s) => s.name === stage && s.exitReason === 'early-exit'),
    ).length,
  });
  return {
    model,
    profile: profilePath,
    questions: comparison.questions,
    interrupted: comparison.interrupted,
    accuracy: { fullDepth: full.summary.accuracy, liteStage: lite.summary.accuracy },
    intervals: { fullDepth: full.summary.interval, liteStage: lite.summary.interval },
    difference: {
      points: 100 * paired.accuracy.difference,
      lower: 100 * paired.accuracy.interval.lower,
      upper: 100 * paired.accuracy.interval.upper,
    },
    meanMs: { fullDepth: full.summary.meanMs, liteStage: lite.summary.meanMs },
    speedup: paired.speedup,
    stages: Object.fromEntries(
      Object.keys(full.summary.stages).map((stage) => [
        stage,
        {
          skipped: profile.stages[stage]?.skip.length ?? 0,
          fullDepth: figures(full.summary, full.results, stage),
          liteStage: figures(lite.summary, lite.results, stage),
        },
      ]),
    ),
  };
}

/** The side-by-side table `litestage demo` prints. */
function demoTable(report: DemoReport): string {
  const rows: [string, string, string][] = [
    [
      'accuracy (95% CI)',
      `${pct(report.accuracy.fullDepth)} (${pct(report.intervals.fullDepth.lower)}-${pct(report.intervals.fullDepth.upper)})`,
      `${pct(report.accuracy.liteStage)} (${pct(report.intervals.liteStage.lower)}-${pct(report.intervals.liteStage.upper)})`,
    ],
    [
      'latency per question',
      `${report.meanMs.fullDepth.toFixed(0)} ms`,
      `${report.meanMs.liteStage.toFixed(0)} ms`,
    ],
  ];
  for (const [stage, s] of Object.entries(report.stages)) {
    const cell = (f: StageFigures) =>
      `${f.tokens.toFixed(1)} tok, ${f.ms.toFixed(0)} ms${f.earlyExits > 0 ? `, ${f.earlyExits} early exits` : ''}`;
    rows.push([`${stage} (${s.skipped} skipped)`, cell(s.fullDepth), cell(s.liteStage)]);
  }
  const header: [string, string, string] = ['', 'full depth', 'LiteStage'];
  const widths = [0, 1, 2].map((i) =>
    Math.max(...[header, ...rows].map((r) => (r[i] ?? '').length)),
  );
  const line = (r: readonly string[]) =>
    `${r.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('   ')}\n`;
  const d = report.difference;
  const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
  return [
    `${report.model} on ${report.questions} held-out questions, full depth and LiteStage interleaved\n`,
    line(header),
    ...rows.map(line),
    `speedup ${report.speedup.toFixed(2)}x; accuracy ${sign(d.points)} points (paired 95% CI ${sign(d.lower)} to ${sign(d.upper)})\n`,
  ].join('');
}
