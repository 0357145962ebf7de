import type { Profile } from '@litestage/profile';
import { comparePaired, pairedSpeedup, type QuestionOutcome, summarizeRun } from '@litestage/tasks';
import { z } from 'zod';
import type { AnsweredOutcome, MethodOutcome, MethodRuns } from './method-runs.js';

const interval = z.strictObject({ value: z.number(), lower: z.number(), upper: z.number() });

const profileSummarySchema = z.strictObject({
  /** Stage -> sub-layers skipped. */
  skipped: z.record(z.string(), z.int().min(0)),
  /** Stage -> early-exit threshold, null without early exit. */
  earlyExit: z.record(z.string(), z.number().nullable()),
  kvPolicy: z.string(),
  skipInPrefill: z.boolean(),
  /** The speedup its search predicted on the calibration questions, when it was searched. */
  searchedSpeedup: z.number().nullable(),
});

const methodReportSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string(),
  /** ok: every question answered; failed: it threw (see error); incomplete: interrupted. */
  status: z.enum(['ok', 'failed', 'incomplete']),
  error: z.strictObject({ questionId: z.string(), message: z.string() }).nullable(),
  profile: profileSummarySchema,
  answered: z.int().min(0),
  accuracy: interval.nullable(),
  /** Against the baseline on the questions both answered; null for the baseline itself. */
  vsBaseline: z
    .strictObject({
      questions: z.int().min(1),
      /** Accuracy points (fraction) of the method minus the baseline's, Newcombe's paired interval. */
      difference: interval,
      /** Baseline time over the method's, with a paired bootstrap interval. */
      speedup: interval,
    })
    .nullable(),
  meanMs: z.number().nullable(),
  stages: z.record(
    z.string(),
    z.strictObject({
      meanTokens: z.number(),
      meanMs: z.number(),
      earlyExits: z.int().min(0),
    }),
  ),
  parseFailures: z.int().min(0),
});

export const benchReportSchema = z.strictObject({
  format: z.literal('litestage-bench-report'),
  version: z.literal(1),
  createdAt: z.iso.datetime({ offset: true }),
  model: z.strictObject({ name: z.string(), fingerprint: z.string(), numLayers: z.int().min(1) }),
  task: z.string(),
  stages: z.array(z.string()),
  machine: z.record(z.string(), z.union([z.string(), z.number()])),
  questions: z.strictObject({ source: z.string(), count: z.int().min(0) }),
  calibration: z.strictObject({ source: z.string(), count: z.int().min(0) }).nullable(),
  /** The command lines that produced the report. */
  commands: z.array(z.string()),
  baseline: z.string(),
  interrupted: z.boolean(),
  methods: z.array(methodReportSchema),
});

export type BenchReport = z.infer<typeof benchReportSchema>;
export type MethodReport = z.infer<typeof methodReportSchema>;
export type ProfileSummary = z.infer<typeof profileSummarySchema>;

/** What the report says of a method besides its outcomes. */
export interface ReportedMethod {
  readonly name: string;
  readonly description: string;
  readonly profile: Profile;
}

export interface BuildReportOptions {
  readonly meta: Omit<BenchReport, 'format' | 'version' | 'methods' | 'interrupted' | 'stages'>;
  readonly methods: readonly ReportedMethod[];
  readonly runs: MethodRuns;
}

/** A profile's skip sets and early exit, as the report lists them. */
export function summarizeProfile(profile: Profile): ProfileSummary {
  const stages = profile.task.stages;
  return {
    skipped: Object.fromEntries(stages.map((s) => [s, profile.stages[s]?.skip.length ?? 0])),
    earlyExit: Object.fromEntries(
      stages.map((s) => [s, profile.stages[s]?.earlyExit?.threshold ?? null]),
    ),
    kvPolicy: profile.runtime.kvPolicy,
    skipInPrefill: profile.runtime.skipInPrefill,
    searchedSpeedup: profile.provenance?.speedup ?? null,
  };
}

/** The report of one bench run: every method summarized and set against the baseline. */
export function buildReport(options: BuildReportOptions): BenchReport {
  const { meta, methods, runs } = options;
  const stages = methods[0]?.profile.task.stages ?? [];
  const rowOf = (name: string) => runs.outcomes.get(name) ?? [];
  const baseRow = rowOf(meta.baseline);
  const report: BenchReport = {
    format: 'litestage-bench-report',
    version: 1,
    ...meta,
    stages: [...stages],
    interrupted: runs.interrupted,
    methods: methods.map((method) =>
      methodReport(
        method,
        rowOf(method.name),
        method.name === meta.baseline ? null : baseRow,
        stages,
      ),
    ),
  };
  return benchReportSchema.parse(report);
}

function methodReport(
  method: ReportedMethod,
  row: readonly (MethodOutcome | undefined)[],
  baseRow: readonly (MethodOutcome | undefined)[] | null,
  stages: readonly string[],
): MethodReport {
  const answered = row.filter((o): o is AnsweredOutcome => o?.ok === true);
  const failure = row.find((o) => o?.ok === false);
  const n = answered.length;
  const status = failure ? 'failed' : n === row.length ? 'ok' : 'incomplete';
  // Accuracy, parse failures and per-stage means as every run reports them; the time per
  // question is the engine's own (`ms`), which is also what the speedup compares.
  const summary = n === 0 ? null : summarizeRun(answered.map(questionOutcomeOf));
  const stageOf = (o: AnsweredOutcome, s: string) => o.stages.find((x) => x.name === s);
  return {
    name: method.name,
    description: method.description,
    status,
    error:
      failure && !failure.ok ? { questionId: failure.questionId, message: failure.error } : null,
    profile: summarizeProfile(method.profile),
    answered: n,
    accuracy: summary ? { value: summary.accuracy, ...summary.interval } : null,
    vsBaseline: baseRow ? pairedWith(row, baseRow) : null,
    meanMs: n === 0 ? null : answered.reduce((sum, o) => sum + o.ms, 0) / n,
    stages: Object.fromEntries(
      stages.map((s) => [
        s,
        {
          meanTokens: summary?.stages[s]?.meanTokens ?? 0,
          meanMs: summary?.stages[s]?.meanMs ?? 0,
          earlyExits: answered.filter((o) => stageOf(o, s)?.exitReason === 'early-exit').length,
        },
      ]),
    ),
    parseFailures: summary
      ? Object.values(summary.parseFailures).reduce((sum, count) => sum + count, 0)
      : 0,
  };
}

function questionOutcomeOf(o: AnsweredOutcome): QuestionOutcome {
  return { id: o.questionId, parsed: o.answer, correct: o.correct, stages: o.stages };
}

/** The method against the baseline on the questions both answered. */
function pairedWith(
  row: readonly (MethodOutcome | undefined)[],
  baseRow: readonly (MethodOutcome | undefined)[],
): MethodReport['vsBaseline'] {
  const pairs: [AnsweredOutcome, AnsweredOutcome][] = [];
  for (const [i, outcome] of row.entries()) {
    const base = baseRow[i];
    if (outcome?.ok && base?.ok) pairs.push([base, outcome]);
  }
  if (pairs.length === 0) return null;
  const accuracy = comparePaired(
    pairs.map(([b]) => b.correct),
    pairs.map(([, m]) => m.correct),
  );
  const speedup = pairedSpeedup(
    pairs.map(([b]) => b.ms),
    pairs.map(([, m]) => m.ms),
  );
  return {
    questions: pairs.length,
    difference: { value: accuracy.difference, ...accuracy.interval },
    speedup: { value: speedup.value, ...speedup.interval },
  };
}
