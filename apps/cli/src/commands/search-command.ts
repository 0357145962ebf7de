import { availableParallelism, cpus } from 'node:os';
import { basename } from 'node:path';
import { nodeBackend } from '@litestage/backend-node';
import { EngineConfigError, fullDepthProfile, type Question } from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import type { LocalBundle } from '@litestage/model/node';
import { serializeProfile } from '@litestage/profile';
import {
  EngineEvaluator,
  importanceMetrics,
  measuredLatency,
  measureLatencyModel,
  type PruningMode,
  SearchCheckpointError,
  searchProfile,
} from '@litestage/search';
import { FileCheckpointStore } from '@litestage/search/node';
import { DatasetError, questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords, writeFileAtomic } from '@litestage/tasks/node';
import { type Command, InvalidArgumentError } from 'commander';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { WorkerPoolEvaluator } from '../search-worker-pool.js';
import type { CommandModule } from './command-module.js';
import { isInputError } from './convert-command.js';
import {
  BUNDLE_OPTION_HELP,
  openBundleOrDemo,
  TASK_OPTION_HELP,
  taskFormatOf,
  taskOf,
} from './default-bundle.js';
import { nonNegativeInteger, oneOf } from './option-parsers.js';

interface SearchFlags {
  bundle?: string;
  task?: string;
  calib: string;
  limit?: number;
  epsilon: number;
  latency: 'measured' | 'model';
  maxBudget?: number;
  kvPolicy?: 'reprefill' | 'reuse' | 'propagate';
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
  workers: number;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n <= 1))
    throw new InvalidArgumentError('expected a number in [0, 1].');
  return n;
}

function probabilityList(value: string): number[] {
  const parts = value.split(',').map((v) => v.trim());
  const list = parts.map(Number);
  if (parts.some((p) => p === '') || list.some((n) => !(n >= 0 && n <= 1))) {
    throw new InvalidArgumentError('expected probabilities in [0, 1] separated by commas.');
  }
  return list;
}

function positiveInteger(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected an integer >= 1.');
  return Number(value);
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
        'calibration questions with gold answers (`litestage task export --split calib`)',
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
        oneOf(['reprefill', 'reuse', 'propagate'] as const),
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
      .requiredOption('--out <profile.json>', 'the profile to write')
      .option('--threads <n>', 'CPU threads', nonNegativeInteger)
      .option(
        '--workers <n>',
        'evaluate questions in N worker threads, each with its own copy of the model',
        nonNegativeInteger,
        1,
      )
      .action(async (flags: SearchFlags) => {
        if (flags.workers > 1 && flags.latency === 'measured') {
          throw new CliError(
            '--workers runs questions side by side, which skews wall-clock times: use --latency model',
          );
        }
        const metric = importanceMetrics.get(flags.metric);
        if (!metric)
          throw new CliError(
            `unknown --metric ${flags.metric}; known: ${[...importanceMetrics.keys()].join(', ')}`,
          );
        let bundle: LocalBundle;
        let questions: Question[];
        try {
          bundle = await openBundleOrDemo(flags.bundle);
          questions = (await loadQuestionRecords(flags.calib))
            .slice(0, flags.limit ?? Number.POSITIVE_INFINITY)
            .map(questionOfRecord);
        } catch (error) {
          if (isInputError(error) || error instanceof DatasetError)
            throw new CliError(error.message);
          throw error;
        }
        if (questions.length === 0) throw new CliError(`${flags.calib}: no questions`);
        if (questions.some((q) => q.answer === undefined))
          throw new CliError(`${flags.calib}: calibration questions need gold answers`);
        const task = taskOf(flags);
        const format = taskFormatOf(task);
        const tokenizer = await loadBundleTokenizer(bundle);
        const session = await nodeBackend.load(
          bundle,
          flags.threads ? { threads: flags.threads } : {},
        );
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        const checkpointPath = flags.checkpoint ?? `${flags.out}.checkpoint.json`;
        let line = '';
        let pool: WorkerPoolEvaluator | undefined;
        const progress = (text: string) => {
          if (!io.isTTY) return;
          line = text;
          io.stderr(`\r\u001b[2K${text}`);
        };
        try {
          const kvPolicy =
            flags.kvPolicy ?? (bundle.manifest.propagateKv ? 'propagate' : 'reprefill');
          const base = fullDepthProfile(bundle.manifest, format, { kvPolicy });
          const earlyExit = flags.earlyExit
            ? { confidence: 'maxProb' as const, window: flags.window }
            : null;
          const local = new EngineEvaluator({
            session,
            tokenizer,
            format,
            baseProfile: base,
            questions,
            earlyExit,
          });
          if (flags.workers > 1) {
            pool = new WorkerPoolEvaluator(local, flags.workers, {
              bundle: bundle.location,
              task,
              calib: flags.calib,
              limit: flags.limit,
              kvPolicy,
              earlyExit,
            });
          }
          const evaluator = pool ?? local;
          const latency =
            flags.latency === 'model'
              ? {
                  method: 'model' as const,
                  measure: () => {
                    progress('measuring the latency model ...');
                    const prompt = tokenizer.encode(
                      format.stagePrompt(questions[0] as Question, []),
                      {
                        addBos: true,
                      },
                    );
                    return measureLatencyModel(session, { promptTokens: prompt });
                  },
                }
              : measuredLatency;
          let evaluations = 0;
          const result = await searchProfile(
            evaluator,
            {
              base,
              calibrationId: `${basename(flags.calib)}#${questions.length}`,
              searcher: { name: '@litestage/search', version: '0.0.0' },
              environment: {
                device: `${cpus()[0]?.model?.trim() ?? 'cpu'} (${availableParallelism()} cores)`,
                backend: session.backend,
                executionProvider: session.executionProvider,
                runtimeVersions: { node: process.versions.node, 'onnxruntime-node': '1.30.0' },
              },
            },
            {
              epsilon: flags.epsilon,
              latency,
              earlyExit,
              pruning: flags.pruning,
              perStageRanking: Boolean(flags.perStageRanking),
              perStageThresholds: Boolean(flags.perStageThresholds),
              ranking: { metric, tokenReduction: flags.tokenReduction },
              checkpoint: new FileCheckpointStore(checkpointPath),
              signal: controller.signal,
              ...(flags.maxBudget === undefined ? {} : { maxBudget: flags.maxBudget }),
              ...(flags.thresholds === undefined ? {} : { thresholdGrid: flags.thresholds }),
              onProgress: (event) => {
                if (event.type === 'ranking')
                  progress(`ranking sub-layers: ${event.done}/${event.total} questions`);
                else if (event.type === 'question') {
                  if (!event.cached) evaluations++;
                  progress(
                    `${event.step}: ${event.done}/${event.total} questions (${evaluations} evaluations run)`,
                  );
                } else if (event.type === 'evaluated' && !io.isTTY) {
                  const budgets = Object.entries(event.candidate.budgets)
                    .map(([s, k]) => `${s}=${k}`)
                    .join(' ');
                  io.stderr(
                    `${event.step} [${budgets}] accuracy ${(100 * event.accuracy).toFixed(1)}% latency ${event.meanLatencyMs.toFixed(0)} ms${event.pruned ? ' (pruned)' : ''}\n`,
                  );
                }
              },
            },
          );
          if (line) io.stderr('\n');
          await writeFileAtomic(flags.out, serializeProfile(result.profile));
          const stages = Object.entries(result.profile.stages)
            .map(
              ([name, s]) =>
                `${name} ${s.skip.length}${s.earlyExit ? ` exit<=${s.earlyExit.threshold}` : ''}`,
            )
            .join(', ');
          io.stdout(
            `${flags.out}: accuracy ${(100 * result.baseline.accuracy).toFixed(1)}% -> ${(100 * result.best.accuracy).toFixed(1)}%, latency ${result.baseline.meanLatencyMs.toFixed(0)} -> ${result.best.meanLatencyMs.toFixed(0)} ms (${(result.baseline.meanLatencyMs / result.best.meanLatencyMs).toFixed(2)}x, ${latency.method}); skipped per stage: ${stages}; ${result.questionEvaluations} question evaluations (exhaustive: ${result.exhaustiveQuestionEvaluations})${pool ? `, ${pool.evaluated} of them in ${flags.workers} workers` : ''}\n`,
          );
        } catch (error) {
          if (line) io.stderr('\n');
          if ((error as Error).name === 'AbortError') {
            throw new CliError(
              `interrupted; progress is saved in ${checkpointPath}: run the same command to resume`,
              { exitCode: EXIT_INTERRUPTED },
            );
          }
          if (error instanceof SearchCheckpointError || error instanceof EngineConfigError)
            throw new CliError(error.message);
          throw error;
        } finally {
          process.removeListener('SIGINT', interrupt);
          await pool?.close();
          await session.dispose();
        }
      });
  },
};
