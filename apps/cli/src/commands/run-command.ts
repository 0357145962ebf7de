import type { Engine, EngineResult, Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import { type Device, openRuntime, type Runtime } from '@litestage/runtime';
import type { Command } from 'commander';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { interruptSignal, isAbortOf } from '../interrupt-signal.js';
import { createProgress } from '../progress.js';
import type { CommandModule } from './command-module.js';
import { compareInterleaved, throwIfInterrupted } from './compare-full.js';
import {
  BUNDLE_OPTION_HELP,
  bundleOrDemo,
  TASK_OPTION_HELP,
  THREADS_OPTION_HELP,
  taskOf,
  warnOnDemoOptionCount,
} from './default-bundle.js';
import { DEVICE_OPTION, reportDeviceChoice } from './device-option.js';
import { nonNegativeInteger, oneOf } from './option-parsers.js';
import { fewShotOf, type QuestionFlags, questionsOf, readProfileFile } from './run-questions.js';
import { printAnswer, printComparison, printRun } from './run-report.js';

interface RunFlags extends QuestionFlags {
  bundle?: string;
  task?: string;
  profile?: string;
  json?: boolean;
  compareFull?: boolean;
  fewShot?: string;
  shots?: number;
  threads?: number;
  device: Device;
}

export const runCommand: CommandModule = {
  name: 'run',
  register(program: Command, io: CliIo) {
    program
      .command('run')
      .description(
        'answer multi-stage questions with a bundle and a profile (full depth without --profile)',
      )
      .option('--bundle <dir>', BUNDLE_OPTION_HELP)
      .option(
        '--profile <file>',
        'a profile (skip sets, early exit, KV policy); full depth when omitted',
      )
      .option('--task <format>', TASK_OPTION_HELP)
      .option('--question <text>', 'one question to answer')
      .option('--options <list>', 'its options, separated by "|"')
      .option('--answer <label>', 'its gold option label (A, B, ...), to score it')
      .option('--dataset <file.jsonl>', 'questions exported by `litestage task export`')
      .option(
        '--synthetic <split>',
        'questions of the synthetic world, generated: train | calib | test',
        oneOf(['train', 'calib', 'test'] as const),
      )
      .option(
        '--limit <n>',
        'at most this many dataset questions (synthetic: default 5)',
        nonNegativeInteger,
      )
      .option('--seed <n>', 'which synthetic questions', nonNegativeInteger)
      .option('--few-shot <file>', 'TinyThinker exemplars (*_cot.json) to put before each question')
      .option('--shots <n>', 'how many exemplars', nonNegativeInteger)
      .option('--threads <n>', THREADS_OPTION_HELP, nonNegativeInteger)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .option(
        '--compare-full',
        'also run full depth on the same questions, interleaved, and compare',
      )
      .option('--json', 'print one machine-readable result')
      .action(async (flags: RunFlags) => {
        const questions = await questionsOf(flags);
        if (flags.compareFull && (!flags.profile || questions.length < 2)) {
          throw new CliError(
            '--compare-full needs --profile and several questions (--dataset or --synthetic)',
          );
        }
        const profile = flags.profile ? await readProfileFile(flags.profile) : undefined;
        const runtime = await openRuntime({
          bundle: await bundleOrDemo(flags.bundle),
          task: taskOf(flags),
          device: flags.device,
          taskOptions: { fewShot: await fewShotOf(flags) },
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
        });
        reportDeviceChoice(io, runtime);
        const interrupt = interruptSignal(io);
        try {
          // A profile made for another model or format is refused here, before any work.
          const engine = runtime.createEngine(profile);
          if (!flags.bundle) warnOnDemoOptionCount(io, questions);
          if (profile && flags.compareFull) {
            await compareWithFullDepth(
              io,
              flags,
              runtime,
              profile,
              engine,
              questions,
              interrupt.signal,
            );
          } else {
            await answerQuestions(io, flags, runtime, engine, questions, interrupt.signal);
          }
        } finally {
          interrupt.release();
          await runtime.dispose();
        }
      });
  },
};

/** Answers the questions one by one (a single one streamed live on a terminal). */
async function answerQuestions(
  io: CliIo,
  flags: RunFlags,
  runtime: Runtime,
  engine: Engine,
  questions: readonly Question[],
  signal: AbortSignal,
): Promise<void> {
  const single = questions.length === 1;
  const live = single && io.isTTY && !flags.json;
  const progress = single
    ? null
    : createProgress(io, { label: 'questions', total: questions.length });
  const results: EngineResult[] = [];
  for (const question of questions) {
    try {
      results.push(
        live
          ? await streamAnswer(io, runtime, engine, question, signal)
          : await engine.run(question, { signal }),
      );
    } catch (error) {
      if (isAbortOf(error, signal)) break;
      throw error;
    }
    progress?.update(results.length, runningAccuracy(results));
  }
  progress?.finish();
  if (results.length === 0) {
    throw new CliError('interrupted before any question was answered', {
      exitCode: EXIT_INTERRUPTED,
    });
  }
  const interrupted = results.length < questions.length;
  const json = Boolean(flags.json);
  if (single) {
    const prefixes = runtime.format.stages.map((s) => s.prefix);
    printAnswer(io, results[0] as EngineResult, { json, streamed: live, prefixes });
  } else {
    printRun(io, results, { json, interrupted });
  }
  if (interrupted) {
    throw new CliError(`interrupted after ${results.length} of ${questions.length} questions`, {
      exitCode: EXIT_INTERRUPTED,
    });
  }
}

/** "accuracy 92.0%" over the answers with a gold answer so far, if any. */
function runningAccuracy(results: readonly EngineResult[]): string | undefined {
  const scored = results.filter((r) => r.correct !== undefined);
  if (scored.length === 0) return undefined;
  const correct = scored.filter((r) => r.correct).length;
  return `accuracy ${((100 * correct) / scored.length).toFixed(1)}%`;
}

/** Runs one question, writing each stage's text to stdout as it is generated. */
async function streamAnswer(
  io: CliIo,
  runtime: Runtime,
  engine: Engine,
  question: Question,
  signal: AbortSignal,
): Promise<EngineResult> {
  let startOfStage = false;
  for await (const event of engine.stream(question, { signal })) {
    if (event.type === 'done') return event.result;
    if (event.type === 'stage-start') {
      io.stdout(`${runtime.format.stages[event.index]?.prefix ?? event.stage} `);
      startOfStage = true;
    } else if (event.type === 'token') {
      // Stage texts are written after "Prefix: ", whatever space the model put first.
      io.stdout(startOfStage ? event.text.trimStart() : event.text);
      startOfStage = startOfStage && event.text.trim() === '';
    } else if (event.type === 'stage-end') io.stdout('\n');
  }
  throw new Error('the engine ended its stream without a result');
}

/** `--compare-full`: the profile against full depth, interleaved, then the comparison printed. */
async function compareWithFullDepth(
  io: CliIo,
  flags: RunFlags,
  runtime: Runtime,
  profile: Profile,
  engine: Engine,
  questions: readonly Question[],
  signal: AbortSignal,
): Promise<void> {
  const comparison = await compareInterleaved(io, runtime, profile, engine, questions, signal);
  const scored = questions.every((q) => q.answer !== undefined);
  printComparison(io, comparison, { json: Boolean(flags.json), scored });
  throwIfInterrupted(comparison, questions);
}
