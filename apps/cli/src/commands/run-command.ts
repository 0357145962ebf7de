import { readFile } from 'node:fs/promises';
import { nodeBackend } from '@litestage/backend-node';
import {
  createEngine,
  type Engine,
  EngineConfigError,
  type EngineResult,
  fullDepthProfile,
  type Question,
} from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import { ProfileError, parseProfile } from '@litestage/profile';
import {
  comparePaired,
  DatasetError,
  type FewShotExample,
  type QuestionOutcome,
  questionOfRecord,
  summarizeRun,
} from '@litestage/tasks';
import {
  collectTaskQuestions,
  loadQuestionRecords,
  loadTinyThinkerExemplars,
} from '@litestage/tasks/node';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
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

interface RunFlags {
  bundle?: string;
  task?: string;
  profile?: string;
  question?: string;
  options?: string;
  answer?: string;
  dataset?: string;
  synthetic?: 'train' | 'calib' | 'test';
  seed?: number;
  limit?: number;
  json?: boolean;
  compareFull?: boolean;
  fewShot?: string;
  shots?: number;
  threads?: number;
}

async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (
      isInputError(error) ||
      error instanceof DatasetError ||
      error instanceof EngineConfigError
    ) {
      throw new CliError(error.message);
    }
    throw error;
  }
}

function outcomeOf(result: EngineResult): QuestionOutcome {
  return {
    id: result.questionId,
    parsed: result.answer,
    correct: result.correct === true,
    stages: result.stages.map((s) => ({ name: s.name, tokens: s.tokens, ms: s.ms })),
  };
}

const fixed = (n: number, digits = 1) => n.toFixed(digits);

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
      .option('--answer <label>', 'its gold option label, to score it')
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
      .option('--threads <n>', 'CPU threads', nonNegativeInteger)
      .option(
        '--compare-full',
        'also run full depth on the same questions, interleaved, and compare',
      )
      .option('--json', 'print one machine-readable result')
      .action(async (flags: RunFlags) => {
        const sources = [flags.question, flags.dataset, flags.synthetic].filter(
          (x) => x !== undefined,
        );
        if (sources.length !== 1) {
          throw new CliError('give one of --question (with --options), --dataset or --synthetic');
        }
        const bundle = await guard(() => openBundleOrDemo(flags.bundle));
        const task = taskOf(flags);
        let fewShot: FewShotExample[] = [];
        if (flags.fewShot) {
          fewShot = await guard(() => loadTinyThinkerExemplars(flags.fewShot as string));
          if (flags.shots !== undefined) fewShot = fewShot.slice(0, flags.shots);
        }
        const format = taskFormatOf(task, { fewShot });
        const profile = flags.profile
          ? await guard(async () => {
              let text: string;
              try {
                text = await readFile(flags.profile as string, 'utf8');
              } catch {
                throw new CliError(`profile not found: ${flags.profile}`);
              }
              try {
                return parseProfile(text, { source: flags.profile as string });
              } catch (error) {
                if (error instanceof ProfileError) throw new CliError(error.message);
                throw error;
              }
            })
          : fullDepthProfile(bundle.manifest, format);
        const questions: Question[] = flags.synthetic
          ? (
              await collectTaskQuestions({
                task: 'synthetic',
                split: flags.synthetic,
                limit: flags.limit ?? 5,
                ...(flags.seed === undefined ? {} : { seed: flags.seed }),
              })
            ).records.map(questionOfRecord)
          : flags.dataset
            ? (await guard(() => loadQuestionRecords(flags.dataset as string)))
                .slice(0, flags.limit ?? Number.POSITIVE_INFINITY)
                .map(questionOfRecord)
            : [
                {
                  id: 'question',
                  question: flags.question as string,
                  options: (flags.options ?? '')
                    .split('|')
                    .map((o) => o.trim())
                    .filter(Boolean),
                  ...(flags.answer ? { answer: flags.answer } : {}),
                },
              ];
        if (questions.some((q) => q.options.length < 2))
          throw new CliError('a question needs at least two --options, separated by "|"');
        if (questions.length === 0) throw new CliError('no questions to answer');

        const tokenizer = await loadBundleTokenizer(bundle);
        const session = await nodeBackend.load(
          bundle,
          flags.threads ? { threads: flags.threads } : {},
        );
        const controller = new AbortController();
        const interrupt = () => controller.abort();
        process.once('SIGINT', interrupt);
        try {
          const engine = await guard(async () =>
            createEngine({ session, tokenizer, format, profile }),
          );
          if (flags.compareFull) {
            if (!flags.profile || questions.length < 2) {
              throw new CliError(
                '--compare-full needs --profile and several questions (--dataset or --synthetic)',
              );
            }
            const kvPolicy = profile.runtime.kvPolicy;
            const maxNewTokens = Object.fromEntries(
              Object.entries(profile.stages).map(([name, stage]) => [name, stage.maxNewTokens]),
            );
            const fullDepth = fullDepthProfile(bundle.manifest, format, { kvPolicy, maxNewTokens });
            const full = createEngine({ session, tokenizer, format, profile: fullDepth });
            await compare(io, flags, engine, full, questions, controller.signal);
            return;
          }
          const results: EngineResult[] = [];
          const live = io.isTTY && !flags.json && questions.length === 1;
          for (const [index, question] of questions.entries()) {
            try {
              let startOfStage = false;
              for await (const event of engine.stream(question, { signal: controller.signal })) {
                if (event.type === 'done') results.push(event.result);
                else if (live && event.type === 'stage-start') {
                  io.stdout(`${format.stages[event.index]?.prefix ?? event.stage} `);
                  startOfStage = true;
                } else if (live && event.type === 'token') {
                  // Stage texts are written after "Prefix: ", whatever space the model put first.
                  io.stdout(startOfStage ? event.text.trimStart() : event.text);
                  startOfStage = startOfStage && event.text.trim() === '';
                } else if (live && event.type === 'stage-end') io.stdout('\n');
              }
            } catch (error) {
              if ((error as Error).name === 'AbortError') break;
              throw error;
            }
            if (questions.length > 1 && !flags.json && io.isTTY) {
              const correct = results.filter((r) => r.correct).length;
              io.stderr(
                `\r\u001b[2K[${index + 1}/${questions.length}] accuracy ${fixed((100 * correct) / results.length)}%`,
              );
            }
          }
          if (questions.length > 1 && io.isTTY && !flags.json) io.stderr('\n');
          if (results.length === 0)
            throw new CliError('interrupted before any question was answered');
          if (controller.signal.aborted)
            io.stderr(`litestage: interrupted after ${results.length} questions\n`);
          report(
            io,
            flags,
            format.stages.map((s) => s.prefix),
            results,
            questions.length > 1,
            live,
          );
        } finally {
          process.removeListener('SIGINT', interrupt);
          await session.dispose();
        }
      });
  },
};

function report(
  io: CliIo,
  flags: RunFlags,
  prefixes: string[],
  results: EngineResult[],
  dataset: boolean,
  streamed: boolean,
) {
  if (!dataset) {
    const result = results[0] as EngineResult;
    if (flags.json) {
      io.stdout(`${JSON.stringify(result)}\n`);
      return;
    }
    if (!streamed)
      for (const [i, stage] of result.stages.entries()) io.stdout(`${prefixes[i]} ${stage.text}\n`);
    const answer = result.answer.ok
      ? `answer ${result.answer.answer}`
      : `no answer (${result.answer.reason})`;
    const verdict = result.correct === undefined ? '' : result.correct ? ', correct' : ', wrong';
    const stages = result.stages
      .map((s) => `${s.name} ${s.tokens} tokens ${fixed(s.ms, 0)} ms (${s.exitReason})`)
      .join(', ');
    io.stdout(`${answer}${verdict}; ${fixed(result.ms, 0)} ms: ${stages}\n`);
    return;
  }
  const summary = summarizeRun(results.map(outcomeOf));
  const exits: Record<string, Record<string, number>> = {};
  for (const result of results) {
    for (const stage of result.stages) {
      const counts = exits[stage.name] ?? {};
      counts[stage.exitReason] = (counts[stage.exitReason] ?? 0) + 1;
      exits[stage.name] = counts;
    }
  }
  if (flags.json) {
    io.stdout(`${JSON.stringify({ summary, exitReasons: exits, results })}\n`);
    return;
  }
  const { interval } = summary;
  io.stdout(
    `accuracy ${fixed(100 * summary.accuracy)}% (${summary.correct}/${summary.n}; 95% CI ${fixed(100 * interval.lower)}-${fixed(100 * interval.upper)}%), answers unreadable ${fixed(100 * summary.parseFailureRate)}%\n`,
  );
  io.stdout(`mean latency ${fixed(summary.meanMs, 0)} ms per question\n`);
  for (const [name, stage] of Object.entries(summary.stages)) {
    const reasons = Object.entries(exits[name] ?? {})
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    io.stdout(
      `  ${name}: ${fixed(stage.meanTokens)} tokens, ${fixed(stage.meanMs, 0)} ms (${reasons})\n`,
    );
  }
}

/**
 * Runs the profile and full depth on the same questions, alternating which goes first so
 * machine noise falls on both alike, and reports both accuracies, the paired difference
 * and the measured speedup.
 */
async function compare(
  io: CliIo,
  flags: RunFlags,
  profiled: Engine,
  full: Engine,
  questions: Question[],
  signal: AbortSignal,
) {
  const withProfile: EngineResult[] = [];
  const atFullDepth: EngineResult[] = [];
  for (const [index, question] of questions.entries()) {
    if (signal.aborted) break;
    const order = index % 2 === 0 ? [profiled, full] : [full, profiled];
    for (const engine of order) {
      const result = await engine.run(question);
      (engine === profiled ? withProfile : atFullDepth).push(result);
    }
    if (io.isTTY && !flags.json) io.stderr(`\r\u001b[2K[${index + 1}/${questions.length}]`);
  }
  if (io.isTTY && !flags.json) io.stderr('\n');
  const n = Math.min(withProfile.length, atFullDepth.length);
  if (n === 0) throw new CliError('interrupted before any question was answered');
  const a = summarizeRun(atFullDepth.slice(0, n).map(outcomeOf));
  const b = summarizeRun(withProfile.slice(0, n).map(outcomeOf));
  const paired = comparePaired(
    atFullDepth.slice(0, n).map((r) => r.correct === true),
    withProfile.slice(0, n).map((r) => r.correct === true),
  );
  const speedup = a.meanMs / b.meanMs;
  if (flags.json) {
    io.stdout(`${JSON.stringify({ questions: n, fullDepth: a, profile: b, paired, speedup })}\n`);
    return;
  }
  const pct = (x: number) => `${fixed(100 * x)}%`;
  const line = (label: string, s: typeof a) =>
    `${label} accuracy ${pct(s.accuracy)} (95% CI ${pct(s.interval.lower)}-${pct(s.interval.upper)}), ${fixed(s.meanMs, 0)} ms per question\n`;
  io.stdout(`questions ${n} (profile and full depth interleaved)\n`);
  io.stdout(line('full depth:', a));
  io.stdout(line('profile:   ', b));
  io.stdout(
    `difference ${fixed(100 * paired.difference)} points (paired 95% CI ${fixed(100 * paired.interval.lower)} to ${fixed(100 * paired.interval.upper)}); speedup ${speedup.toFixed(2)}x\n`,
  );
  for (const name of Object.keys(a.stages)) {
    const before = a.stages[name];
    const after = b.stages[name];
    io.stdout(
      `  ${name}: ${fixed(before?.meanTokens ?? 0)} -> ${fixed(after?.meanTokens ?? 0)} tokens, ${fixed(before?.meanMs ?? 0, 0)} -> ${fixed(after?.meanMs ?? 0, 0)} ms\n`,
    );
  }
}
