import { mkdir, readFile, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, join } from 'node:path';
import { nodeRuntimeVersions } from '@litestage/backend-node';
import {
  accuracySpeedupSvg,
  type BenchMethod,
  type BenchReport,
  buildReport,
  FileOutcomeStore,
  type ReportedMethod,
  reportMarkdown,
  runMethods,
} from '@litestage/benchmark';
import { defaultKvPolicy, KV_POLICIES, type KvPolicy, type Question } from '@litestage/core';
import { type Profile, parseProfile, serializeProfile } from '@litestage/profile';
import { type Device, openRuntime, type Runtime } from '@litestage/runtime';
import {
  DEFAULT_EARLY_EXIT,
  EngineEvaluator,
  type LatencyModel,
  type SearchStrategy,
  SharedEvaluations,
  searchStrategies,
} from '@litestage/search';
import { FileCheckpointStore, FileEvaluationStore } from '@litestage/search/node';
import { writeFileAtomic } from '@litestage/tasks/node';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { interruptSignal, isAbortOf } from '../interrupt-signal.js';
import { createProgress } from '../progress.js';
import type { CommandModule } from './command-module.js';
import {
  BUNDLE_OPTION_HELP,
  bundleOrDemo,
  TASK_OPTION_HELP,
  THREADS_OPTION_HELP,
  taskOf,
} from './default-bundle.js';
import { DEVICE_OPTION, reportDeviceChoice } from './device-option.js';
import { fraction, nonNegativeInteger, oneOf, positiveInteger } from './option-parsers.js';
import { questionsOf, readProfileFile } from './run-questions.js';
import { SearchProgressDisplay } from './search-progress.js';
import {
  calibrationQuestions,
  checkGold,
  deviceDescription,
  measureRuntimeLatency,
  searchTemplate,
} from './search-setup.js';

interface BenchFlags {
  bundle?: string;
  task?: string;
  calib?: string;
  calibLimit: number;
  test?: string;
  split?: 'test';
  limit?: number;
  seed?: number;
  methods: string[];
  profiles?: string;
  variants: boolean;
  epsilon: number;
  maxBudget?: number;
  out: string;
  threads?: number;
  device: Device;
}

/** Held-out questions when the synthetic split is used and `--limit` is not given. */
const DEFAULT_TEST_QUESTIONS = 300;
const BASELINE = 'full';
/** The method the KV-policy and prefill-skipping variants are made of. */
const VARIANT_OF = 'litestage';

function methodList(value: string): string[] {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !searchStrategies.has(n));
  if (unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown method ${unknown.join(', ')}; known: ${[...searchStrategies.keys()].join(', ')}.`,
    );
  if (names.length === 0)
    throw new InvalidArgumentError('expected method names separated by commas.');
  return names;
}

export const benchCommand: CommandModule = {
  name: 'bench',
  register(program: Command, io: CliIo) {
    program
      .command('bench')
      .description(
        'LiteStage against full depth and prior training-free skipping: runs the searches it needs, then every method on the same held-out questions, interleaved; writes report.json, report.md and accuracy-vs-speedup.svg',
      )
      .option('--bundle <dir>', BUNDLE_OPTION_HELP)
      .option('--task <format>', TASK_OPTION_HELP)
      .option(
        '--calib <file.jsonl>',
        'calibration questions for the searches (default: the synthetic world’s calib split)',
      )
      .option('--calib-limit <n>', 'use the first N calibration questions', positiveInteger, 100)
      .option('--test <file.jsonl>', 'held-out questions with gold answers')
      .option(
        '--split <split>',
        'held-out questions of the synthetic world: test',
        oneOf(['test'] as const),
      )
      .option(
        '--limit <n>',
        `at most N held-out questions (default ${DEFAULT_TEST_QUESTIONS} of --split)`,
        positiveInteger,
      )
      .option('--seed <n>', 'which held-out questions of --split', nonNegativeInteger)
      .option(
        '--methods <list>',
        `methods, comma-separated: ${[...searchStrategies.keys()].join(', ')}`,
        methodList,
        [...searchStrategies.keys()],
      )
      .option(
        '--profiles <dir>',
        'take <dir>/<method>.json as a method’s profile instead of searching for it',
      )
      .option(
        '--no-variants',
        `leave out ${VARIANT_OF} under the other KV policies and with prefill skipping`,
      )
      .option(
        '--epsilon <points>',
        'allowed accuracy drop in the searches (0.04 = 4 points)',
        fraction,
        0.04,
      )
      .option(
        '--max-budget <k>',
        'largest number of sub-layers a search skips per stage (default: all)',
        nonNegativeInteger,
      )
      .requiredOption(
        '--out <dir>',
        'where the report, profiles, searches and outcomes go (required)',
      )
      .option('--threads <n>', THREADS_OPTION_HELP, nonNegativeInteger)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .action(async (flags: BenchFlags) => {
        if (!flags.methods.includes(BASELINE))
          throw new CliError(
            `--methods must include ${BASELINE}: every method is compared with it`,
          );
        if ((flags.test === undefined) === (flags.split === undefined))
          throw new CliError('give one of --test <file> or --split test');
        await mkdir(join(flags.out, 'profiles'), { recursive: true });
        await mkdir(join(flags.out, 'searches'), { recursive: true });
        const task = taskOf(flags);
        const questions = await heldOutQuestions(flags, task);
        await checkSameBench(flags, task);
        const runtime = await openRuntime({
          bundle: await bundleOrDemo(flags.bundle),
          task,
          device: flags.device,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        });
        reportDeviceChoice(io, runtime);
        const interrupt = interruptSignal(io);
        try {
          const profiles = await methodProfiles(io, runtime, flags, interrupt.signal);
          const methods = benchMethods(runtime, flags, profiles);
          io.stderr(
            `litestage: ${methods.length} methods on ${questions.length} held-out questions, interleaved; outcomes kept in ${join(flags.out, 'outcomes.jsonl')}\n`,
          );
          const progress = createProgress(io, { label: 'questions', total: questions.length });
          const runs = await runMethods({
            methods: methods.map(({ name, engine }) => ({ name, engine })),
            questions,
            store: new FileOutcomeStore(join(flags.out, 'outcomes.jsonl')),
            signal: interrupt.signal,
            onProgress: ({ done }) => progress.update(done),
          }).finally(() => progress.finish());
          if (runs.resumed > 0)
            io.stderr(`litestage: ${runs.resumed} outcomes taken from the earlier run\n`);
          const report = buildReport({
            meta: {
              createdAt: new Date().toISOString(),
              model: {
                name: runtime.manifest.name,
                fingerprint: runtime.manifest.fingerprint,
                numLayers: runtime.manifest.numLayers,
              },
              task: runtime.format.id,
              machine: machineOf(runtime, flags.threads),
              questions: { source: questionSource(flags), count: questions.length },
              calibration: profiles.calibration,
              commands: [commandLine(flags)],
              baseline: BASELINE,
            },
            methods,
            runs,
          });
          await writeReport(flags.out, report);
          io.stdout(summaryOf(report, flags.out));
          if (runs.interrupted)
            throw new CliError(
              `interrupted; ${join(flags.out, 'outcomes.jsonl')} keeps what finished: run the same command to resume`,
              { exitCode: EXIT_INTERRUPTED },
            );
        } catch (error) {
          if (isAbortOf(error, interrupt.signal))
            throw new CliError(
              `interrupted; progress is kept in ${flags.out}: run the same command to resume`,
              { exitCode: EXIT_INTERRUPTED },
            );
          throw error;
        } finally {
          interrupt.release();
          await runtime.dispose();
        }
      });
  },
};

/** `--test`, or `--split test` of the synthetic world (300 unless `--limit`). */
async function heldOutQuestions(flags: BenchFlags, task: string): Promise<Question[]> {
  if (flags.split !== undefined && task !== 'synthetic')
    throw new CliError(
      `--split test is the synthetic world's; for task ${task} give --test <file>`,
    );
  const questions = await questionsOf({
    ...(flags.test === undefined ? {} : { dataset: flags.test }),
    ...(flags.split === undefined ? {} : { synthetic: flags.split }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.limit !== undefined || flags.split !== undefined
      ? { limit: flags.limit ?? DEFAULT_TEST_QUESTIONS }
      : {}),
  });
  if (questions.some((q) => q.answer === undefined))
    throw new CliError('held-out questions need gold answers to be scored');
  return questions;
}

function questionSource(flags: BenchFlags): string {
  return flags.test !== undefined
    ? basename(flags.test)
    : `synthetic test split${flags.seed === undefined ? '' : `, seed ${flags.seed}`}`;
}

interface MethodProfiles {
  readonly byMethod: ReadonlyMap<string, { profile: Profile; strategy: SearchStrategy }>;
  readonly calibration: BenchReport['calibration'];
}

/**
 * Every method's profile: from `--profiles`, from an earlier run's `profiles/`, or searched
 * now (checkpointed in `searches/`, sharing one latency model and every evaluation).
 */
async function methodProfiles(
  io: CliIo,
  runtime: Runtime,
  flags: BenchFlags,
  signal: AbortSignal,
): Promise<MethodProfiles> {
  const byMethod = new Map<string, { profile: Profile; strategy: SearchStrategy }>();
  const toSearch: SearchStrategy[] = [];
  for (const name of flags.methods) {
    const strategy = searchStrategies.get(name) as SearchStrategy;
    const given =
      flags.profiles === undefined
        ? null
        : await optionalProfile(join(flags.profiles, `${name}.json`));
    const cached = given ?? (await optionalProfile(profilePath(flags.out, name)));
    if (cached) {
      if (cached.model.fingerprint !== runtime.manifest.fingerprint)
        throw new CliError(
          `the ${name} profile was made for model ${cached.model.name} (${cached.model.fingerprint}), not this bundle (${runtime.manifest.fingerprint})`,
        );
      byMethod.set(name, { profile: cached, strategy });
    } else toSearch.push(strategy);
  }
  const base = runtime.fullDepthProfile({ kvPolicy: defaultKvPolicy(runtime.manifest) });
  if (toSearch.every((s) => s.name === BASELINE)) {
    for (const s of toSearch) byMethod.set(s.name, { profile: base, strategy: s });
    return { byMethod, calibration: calibrationOfProfiles(byMethod) };
  }
  const calibration = await calibrationOf(flags, runtime);
  const evaluator = await SharedEvaluations.open(
    new EngineEvaluator({
      session: runtime.session,
      tokenizer: runtime.tokenizer,
      format: runtime.format,
      baseProfile: base,
      questions: calibration.questions,
      earlyExit: DEFAULT_EARLY_EXIT,
    }),
    new FileEvaluationStore(join(flags.out, 'searches', 'evaluations.jsonl')),
  );
  const latency = await sharedLatencyModel(flags.out, runtime, calibration.questions);
  const template = searchTemplate(
    runtime,
    base,
    `${calibration.source}#${calibration.questions.length}`,
  );
  for (const [i, strategy] of toSearch.entries()) {
    io.stderr(`litestage: method ${strategy.name} (${i + 1} of ${toSearch.length} to search)\n`);
    const display = new SearchProgressDisplay(io);
    const { profile } = await strategy
      .profile(evaluator, template, {
        epsilon: flags.epsilon,
        ...(flags.maxBudget === undefined ? {} : { maxBudget: flags.maxBudget }),
        latency: { method: 'model', measure: async () => latency },
        checkpoint: new FileCheckpointStore(
          join(flags.out, 'searches', `${strategy.name}.checkpoint.json`),
        ),
        signal,
        onProgress: display.onProgress,
      })
      .finally(() => display.finish());
    await writeFileAtomic(profilePath(flags.out, strategy.name), serializeProfile(profile));
    byMethod.set(strategy.name, { profile, strategy });
  }
  return { byMethod, calibration: calibrationOfProfiles(byMethod) };
}

/** The calibration questions the searched profiles name (the first that names one). */
function calibrationOfProfiles(byMethod: MethodProfiles['byMethod']): BenchReport['calibration'] {
  for (const { profile } of byMethod.values()) {
    const calibration = profile.provenance?.calibration;
    if (calibration) return { source: calibration.id, count: calibration.size };
  }
  return null;
}

function profilePath(out: string, method: string): string {
  return join(out, 'profiles', `${method}.json`);
}

async function optionalProfile(path: string): Promise<Profile | null> {
  return (await stat(path).catch(() => null)) ? readProfileFile(path) : null;
}

async function calibrationOf(
  flags: BenchFlags,
  runtime: Runtime,
): Promise<{ questions: Question[]; source: string }> {
  if (flags.calib !== undefined)
    return {
      questions: await calibrationQuestions(flags.calib, flags.calibLimit),
      source: basename(flags.calib),
    };
  if (runtime.format.id !== 'synthetic')
    throw new CliError(
      `the searches need calibration questions: give --calib <file> for task ${runtime.format.id}`,
    );
  return {
    questions: checkGold(
      await questionsOf({ synthetic: 'calib', limit: flags.calibLimit }),
      'the calib split',
    ),
    source: 'synthetic calib split',
  };
}

/** One latency model for every search of the run, measured once and kept in `searches/`. */
async function sharedLatencyModel(
  out: string,
  runtime: Runtime,
  questions: readonly Question[],
): Promise<LatencyModel> {
  const path = join(out, 'searches', 'latency-model.json');
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LatencyModel;
  } catch {
    const model = await measureRuntimeLatency(runtime, questions);
    await writeFileAtomic(path, JSON.stringify(model));
    return model;
  }
}

/**
 * The methods in `--methods` order, then (unless `--no-variants`) LiteStage under every
 * other KV policy the bundle runs and with skipping in the prefill too.
 */
function benchMethods(
  runtime: Runtime,
  flags: BenchFlags,
  profiles: MethodProfiles,
): (BenchMethod & ReportedMethod)[] {
  const methods: (BenchMethod & ReportedMethod)[] = [];
  const add = (name: string, description: string, profile: Profile) =>
    methods.push({ name, description, profile, engine: runtime.createEngine(profile) });
  for (const name of flags.methods) {
    const { profile, strategy } = profiles.byMethod.get(name) as {
      profile: Profile;
      strategy: SearchStrategy;
    };
    add(name, strategy.description, profile);
  }
  const lite = profiles.byMethod.get(VARIANT_OF)?.profile;
  if (flags.variants && lite) {
    const policies = KV_POLICIES.filter(
      (p) => p !== lite.runtime.kvPolicy && (p !== 'propagate' || runtime.manifest.propagateKv),
    );
    for (const kvPolicy of policies)
      add(
        `${VARIANT_OF}/kv-${kvPolicy}`,
        `${VARIANT_OF}'s profile under the ${kvPolicy} KV policy (searched under ${lite.runtime.kvPolicy}).`,
        withRuntime(lite, { kvPolicy }),
      );
    add(
      `${VARIANT_OF}/${lite.runtime.skipInPrefill ? 'no-prefill-skip' : 'prefill-skip'}`,
      lite.runtime.skipInPrefill
        ? `${VARIANT_OF}'s profile with every stage's prefill at full depth (its skip sets used in decoding only).`
        : `${VARIANT_OF}'s profile with its skip sets applied to each stage's prefill as well as its decoding.`,
      withRuntime(lite, { skipInPrefill: !lite.runtime.skipInPrefill }),
    );
  }
  return methods;
}

/** The profile under other runtime settings; no longer what its search found and priced. */
function withRuntime(
  profile: Profile,
  runtime: Partial<{ kvPolicy: KvPolicy; skipInPrefill: boolean }>,
): Profile {
  const { provenance: _searched, ...settings } = profile;
  return parseProfile({ ...settings, runtime: { ...profile.runtime, ...runtime } });
}

/**
 * What the profiles, searches and outcomes kept in `--out` depend on. A rerun with other
 * values would mix runs, so it is refused; more or fewer `--methods` are fine.
 */
async function checkSameBench(flags: BenchFlags, task: string): Promise<void> {
  const inputs = {
    bundle: flags.bundle ?? 'the demo reasoner',
    task,
    calib: flags.calib ?? 'synthetic calib split',
    calibLimit: flags.calibLimit,
    test: flags.test ?? `split ${flags.split}`,
    limit: flags.limit ?? null,
    seed: flags.seed ?? null,
    epsilon: flags.epsilon,
    maxBudget: flags.maxBudget ?? null,
    threads: flags.threads ?? null,
    device: flags.device,
  };
  const path = join(flags.out, 'bench-inputs.json');
  let saved: Record<string, unknown> | null = null;
  try {
    saved = JSON.parse(await readFile(path, 'utf8'));
  } catch {
    saved = null;
  }
  if (saved) {
    const differ = Object.entries(inputs)
      .filter(([k, v]) => JSON.stringify(saved?.[k] ?? null) !== JSON.stringify(v))
      .map(([k]) => k);
    if (differ.length > 0)
      throw new CliError(
        `${flags.out} holds a bench run with other ${differ.join(', ')}; give another --out, or remove it to start over`,
      );
    return;
  }
  await writeFileAtomic(path, `${JSON.stringify(inputs, null, 2)}\n`);
}

function machineOf(runtime: Runtime, threads: number | undefined): Record<string, string | number> {
  return {
    cpu: deviceDescription(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    backend: runtime.session.backend,
    executionProvider: runtime.session.executionProvider,
    device: runtime.device,
    threads: threads === undefined || threads === 0 ? 'backend default' : threads,
    ...nodeRuntimeVersions(),
  };
}

/** The command that reproduces this run, every choice spelled out. */
function commandLine(flags: BenchFlags): string {
  const parts = ['litestage bench'];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined)
      parts.push(
        flag,
        /^[\w./:=,+-]+$/.test(String(value)) ? String(value) : JSON.stringify(String(value)),
      );
  };
  add('--bundle', flags.bundle);
  add('--task', flags.task);
  add('--calib', flags.calib);
  add('--calib-limit', flags.calibLimit);
  add('--test', flags.test);
  add('--split', flags.split);
  add('--limit', flags.limit);
  add('--seed', flags.seed);
  add('--methods', flags.methods.join(','));
  add('--profiles', flags.profiles);
  if (!flags.variants) parts.push('--no-variants');
  add('--epsilon', flags.epsilon);
  add('--max-budget', flags.maxBudget);
  add('--threads', flags.threads);
  add('--device', flags.device);
  add('--out', flags.out);
  return parts.join(' ');
}

async function writeReport(out: string, report: BenchReport): Promise<void> {
  await writeFileAtomic(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFileAtomic(join(out, 'report.md'), reportMarkdown(report));
  // Nothing to plot before the first answer (an interrupt, or every method failing).
  if (report.methods.some((m) => m.accuracy))
    await writeFileAtomic(join(out, 'accuracy-vs-speedup.svg'), accuracySpeedupSvg(report));
}

function summaryOf(report: BenchReport, out: string): string {
  const lines = report.methods.map((m) => {
    const accuracy = m.accuracy ? `${(100 * m.accuracy.value).toFixed(1)}%` : '-';
    const speedup = m.vsBaseline
      ? `${m.vsBaseline.speedup.value.toFixed(2)}x`
      : m.name === report.baseline
        ? '1.00x'
        : '-';
    const status =
      m.status === 'ok' ? '' : ` (${m.status}${m.error ? `: ${m.error.message}` : ''})`;
    return `  ${m.name.padEnd(28)} ${accuracy.padStart(6)}  ${speedup.padStart(6)}${status}`;
  });
  return `${report.questions.count} held-out questions; accuracy and speedup over ${report.baseline}:\n${lines.join('\n')}\nwrote ${join(out, 'report.json')}, report.md and accuracy-vs-speedup.svg\n`;
}
