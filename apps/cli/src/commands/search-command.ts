import { basename } from 'node:path';
import { defaultKvPolicy, KV_POLICIES, type KvPolicy, type Question } from '@litestage/core';
import { serializeProfile } from '@litestage/profile';
import { type Device, openRuntime, type Runtime } from '@litestage/runtime';
import {
  EngineEvaluator,
  type Evaluator,
  importanceMetrics,
  measuredLatency,
  type PruningMode,
  type SearchOptions,
  type SearchResult,
  searchProfile,
} from '@litestage/search';
import { FileCheckpointStore, WorkerPoolEvaluator } from '@litestage/search/node';
import {
  parseRedisUrl,
  QueueConnectionError,
  QueueEvaluator,
  QueueJobError,
} from '@litestage/search-queue';
import { checkWritable, writeFileAtomic } from '@litestage/tasks/node';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { interruptSignal, isAbortOf } from '../interrupt-signal.js';
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
import { SearchProgressDisplay } from './search-progress.js';
import { calibrationQuestions, measureRuntimeLatency, searchTemplate } from './search-setup.js';

interface SearchFlags {
  bundle?: string;
  task?: string;
  calib: string;
  limit?: number;
  epsilon: number;
  latency: 'measured' | 'model';
  maxBudget?: number;
  kvPolicy?: KvPolicy;
  earlyExit: boolean;
  thresholds?: number[];
  window: number;
  perStageThresholds?: boolean;
  perStageRanking?: boolean;
  metric: string;
  tokenReduction: 'mean' | 'last';
  pruning: PruningMode;
  checkpoint?: string;
  out: string;
  threads?: number;
  device: Device;
  workers: number;
  queue?: string;
  queueName?: string;
}

function probabilityList(value: string): number[] {
  const parts = value.split(',').map((v) => v.trim());
  const list = parts.map(Number);
  if (parts.some((p) => p === '') || list.some((n) => !(n >= 0 && n <= 1))) {
    throw new InvalidArgumentError('expected probabilities in [0, 1] separated by commas.');
  }
  return list;
}

export const searchCommand: CommandModule = {
  name: 'search',
  register(program: Command, io: CliIo) {
    program
      .command('search')
      .description(
        'search per-stage skip budgets and early exit on calibration questions; writes a profile',
      )
      .option('--bundle <dir>', BUNDLE_OPTION_HELP)
      .option('--task <format>', TASK_OPTION_HELP)
      .requiredOption(
        '--calib <file.jsonl>',
        'calibration questions with gold answers (`litestage task export --split calib`) (required)',
      )
      .option('--limit <n>', 'use the first N calibration questions', nonNegativeInteger)
      .option(
        '--epsilon <points>',
        'allowed accuracy drop below the full model (0.04 = 4 points)',
        fraction,
        0.04,
      )
      .option(
        '--latency <method>',
        'measured: wall-clock; model: a per-device cost model times the tokens',
        oneOf(['measured', 'model'] as const),
        'model',
      )
      .option(
        '--max-budget <k>',
        'largest number of sub-layers skipped per stage (default: all)',
        nonNegativeInteger,
      )
      .option(
        '--kv-policy <policy>',
        'KV cache across stages (default: propagate for a bundle built for it, else reprefill)',
        oneOf(KV_POLICIES),
      )
      .option('--no-early-exit', 'skip the early-exit threshold step')
      .option(
        '--thresholds <list>',
        'early-exit thresholds to try (max probability), e.g. 0.2,0.3,0.4',
        probabilityList,
      )
      .option('--window <n>', 'early-exit window (confidences averaged)', positiveInteger, 4)
      .option('--per-stage-thresholds', 'tune one early-exit threshold per stage')
      .option('--per-stage-ranking', 'rank sub-layers per stage instead of over all stages')
      .option(
        '--metric <name>',
        `importance metric: ${[...importanceMetrics.keys()].join(', ')}`,
        'cosine',
      )
      .option(
        '--token-reduction <how>',
        'reduce cosines over tokens by mean or last',
        oneOf(['mean', 'last'] as const),
        'mean',
      )
      .option(
        '--pruning <mode>',
        'wilson | exact | none',
        oneOf(['wilson', 'exact', 'none'] as const),
        'wilson',
      )
      .option('--checkpoint <file>', 'where progress is kept (default: <out>.checkpoint.json)')
      .requiredOption('--out <profile.json>', 'the profile to write (required)')
      .option('--threads <n>', THREADS_OPTION_HELP, nonNegativeInteger)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .option(
        '--workers <n>',
        'evaluate questions in N worker threads, each with its own copy of the model',
        nonNegativeInteger,
        1,
      )
      .option(
        '--queue <redis-url>',
        'evaluate questions as jobs on Redis (redis://host:port[/db]) for `litestage worker`s on any machine',
      )
      .option('--queue-name <name>', 'the BullMQ queue (default: litestage-evaluations)')
      .action(async (flags: SearchFlags) => {
        if (flags.workers > 1 && flags.latency === 'measured') {
          throw new CliError(
            '--workers runs questions side by side, which skews wall-clock times: use --latency model',
          );
        }
        if (flags.queue !== undefined) {
          parseRedisUrl(flags.queue);
          if (flags.latency === 'measured')
            throw new CliError(
              "--queue runs questions on other machines, whose wall-clock times are not this device's: use --latency model (measured here)",
            );
          if (flags.workers > 1)
            throw new CliError(
              '--queue and --workers exclude each other: start `litestage worker --concurrency N` processes instead',
            );
        }
        const metric = importanceMetrics.get(flags.metric);
        if (!metric)
          throw new CliError(
            `unknown --metric ${flags.metric}; known: ${[...importanceMetrics.keys()].join(', ')}`,
          );
        const checkpointPath = flags.checkpoint ?? `${flags.out}.checkpoint.json`;
        // Before any work: a typo in a path must not cost a whole search.
        await checkWritable(flags.out);
        await checkWritable(checkpointPath);
        const questions = await calibrationQuestionsOf(flags);
        const task = taskOf(flags);
        const runtime = await openRuntime({
          bundle: await bundleOrDemo(flags.bundle),
          task,
          device: flags.device,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        });
        reportDeviceChoice(io, runtime);
        const interrupt = interruptSignal(io);
        const display = new SearchProgressDisplay(io);
        let pool: WorkerPoolEvaluator | undefined;
        let queued: QueueEvaluator | undefined;
        let searching = false;
        try {
          const kvPolicy = flags.kvPolicy ?? defaultKvPolicy(runtime.manifest);
          const baseProfile = runtime.fullDepthProfile({ kvPolicy });
          const earlyExit = flags.earlyExit
            ? { confidence: 'maxProb' as const, window: flags.window }
            : null;
          const local = new EngineEvaluator({
            session: runtime.session,
            tokenizer: runtime.tokenizer,
            format: runtime.format,
            baseProfile,
            questions,
            earlyExit,
          });
          if (flags.workers > 1) {
            pool = new WorkerPoolEvaluator(local, {
              workers: flags.workers,
              bundle: runtime.bundle.location,
              task,
              device: runtime.device,
              baseProfile,
              questions,
              earlyExit,
            });
          }
          if (flags.queue !== undefined) {
            queued = await QueueEvaluator.open(local, {
              url: flags.queue,
              ...(flags.queueName === undefined ? {} : { queueName: flags.queueName }),
              fingerprint: runtime.manifest.fingerprint,
              task,
              baseProfile,
              earlyExit,
              questions,
            });
            io.stderr(
              `litestage: search ${queued.searchId}: evaluations go to ${queued.address.display} (queue ${flags.queueName ?? 'litestage-evaluations'}); start \`litestage worker --queue ${queued.address.display}\` on machines with this bundle\n`,
            );
          }
          const evaluator: Evaluator = queued ?? pool ?? local;
          searching = true;
          const result = await searchProfile(
            evaluator,
            searchTemplate(runtime, baseProfile, `${basename(flags.calib)}#${questions.length}`),
            {
              epsilon: flags.epsilon,
              latency: latencyOf(flags, runtime, questions),
              earlyExit,
              pruning: flags.pruning,
              perStageRanking: Boolean(flags.perStageRanking),
              perStageThresholds: Boolean(flags.perStageThresholds),
              ranking: { metric, tokenReduction: flags.tokenReduction },
              checkpoint: new FileCheckpointStore(checkpointPath),
              signal: interrupt.signal,
              ...(flags.maxBudget === undefined ? {} : { maxBudget: flags.maxBudget }),
              ...(flags.thresholds === undefined ? {} : { thresholdGrid: flags.thresholds }),
              onProgress: (event) => {
                if (event.type === 'resumed') {
                  io.stderr(
                    `litestage: resuming from ${checkpointPath}: ${event.cachedEvaluations} of ${event.exhaustiveEvaluations} evaluations cached\n`,
                  );
                }
                display.onProgress(event);
              },
            },
          );
          display.finish();
          await writeFileAtomic(flags.out, serializeProfile(result.profile));
          io.stdout(summaryLine(flags, result, pool, queued));
        } catch (error) {
          display.finish();
          if (
            searching &&
            (error instanceof QueueConnectionError || error instanceof QueueJobError)
          ) {
            throw new CliError(
              `${error.message}; progress is saved in ${checkpointPath}: run the same command to resume`,
              error.hint === undefined ? {} : { hint: error.hint },
            );
          }
          if (isAbortOf(error, interrupt.signal)) {
            throw new CliError(
              `interrupted; progress is saved in ${checkpointPath}: run the same command to resume`,
              { exitCode: EXIT_INTERRUPTED },
            );
          }
          throw error;
        } finally {
          interrupt.release();
          await pool?.close();
          await queued?.close();
          await runtime.dispose();
        }
      });
  },
};

/** The first `--limit` questions of `--calib`, each with a gold answer. */
function calibrationQuestionsOf(flags: SearchFlags): Promise<Question[]> {
  return calibrationQuestions(flags.calib, flags.limit);
}

/** `--latency`: wall-clock, or a latency model measured on this runtime when first needed. */
function latencyOf(
  flags: SearchFlags,
  runtime: Runtime,
  questions: readonly Question[],
): SearchOptions['latency'] {
  if (flags.latency === 'measured') return measuredLatency;
  return { method: 'model', measure: () => measureRuntimeLatency(runtime, questions) };
}

/** What the search found and what it cost, in one line. */
function summaryLine(
  flags: SearchFlags,
  result: SearchResult,
  pool: WorkerPoolEvaluator | undefined,
  queued: QueueEvaluator | undefined,
): string {
  const { baseline, best, profile } = result;
  const stages = Object.entries(profile.stages)
    .map(
      ([name, s]) =>
        `${name} ${s.skip.length}${s.earlyExit ? ` exit<=${s.earlyExit.threshold}` : ''}`,
    )
    .join(', ');
  const speedup = (baseline.meanLatencyMs / best.meanLatencyMs).toFixed(2);
  const run = result.questionEvaluations - result.resumedEvaluations;
  const workers = queued
    ? `, ${queued.evaluated} of them by ${queued.workers.size} queue worker${queued.workers.size === 1 ? '' : 's'}`
    : pool
      ? `, ${pool.evaluated} of them in ${flags.workers} workers`
      : '';
  return `${flags.out}: accuracy ${(100 * baseline.accuracy).toFixed(1)}% -> ${(100 * best.accuracy).toFixed(1)}%, latency ${baseline.meanLatencyMs.toFixed(0)} -> ${best.meanLatencyMs.toFixed(0)} ms (${speedup}x, ${profile.provenance?.latencyMethod}); skipped per stage: ${stages}; ${run} question evaluations run${workers}, ${result.resumedEvaluations} cached (exhaustive: ${result.exhaustiveQuestionEvaluations})\n`;
}
