import type { Question } from '@litestage/core';
import {
  createTinyThinkerFormat,
  createWorld,
  DatasetError,
  type FewShotExample,
  questionOfRecord,
  worldFactSentences,
} from '@litestage/tasks';
import {
  checkWritable,
  collectTaskQuestions,
  loadTinyThinkerExemplars,
  recordsToJsonl,
  TASK_NAMES,
  type TaskName,
  type TaskSplit,
  writeFileAtomic,
} from '@litestage/tasks/node';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import type { CommandModule } from './command-module.js';
import { nonNegativeInteger, oneOf } from './option-parsers.js';

const SPLITS = ['train', 'calib', 'test', 'all'] as const;

interface SelectionOptions {
  task: TaskName;
  file?: string;
  split?: TaskSplit;
  limit?: number;
  seed?: number;
  worldSeed?: number;
  lenient?: boolean;
}

function addSelectionOptions(command: Command): Command {
  return command
    .requiredOption(
      '--task <name>',
      `where questions come from: ${TASK_NAMES.join(', ')}`,
      oneOf(TASK_NAMES),
    )
    .option('--file <path>', 'the dataset file (csqa, obqa: *.jsonl; strategyqa: *.json)')
    .option(
      '--split <split>',
      'synthetic: train | calib | test (default train); real datasets: all (default) | calib | test, a fixed hash partition of the file',
      oneOf(SPLITS),
    )
    .option('--limit <n>', 'at most this many questions', nonNegativeInteger)
    .option(
      '--seed <n>',
      'which questions: synthetic draws, real datasets shuffle before --limit',
      nonNegativeInteger,
    )
    .option(
      '--world-seed <n>',
      'seed of the synthetic world (default 1, the demo model’s world)',
      nonNegativeInteger,
    )
    .option('--lenient', 'skip malformed dataset items and count them instead of failing');
}

async function collect(options: SelectionOptions, io: CliIo) {
  try {
    const result = await collectTaskQuestions({
      task: options.task,
      ...(options.file === undefined ? {} : { file: options.file }),
      ...(options.split === undefined ? {} : { split: options.split }),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.worldSeed === undefined ? {} : { worldSeed: options.worldSeed }),
      lenient: Boolean(options.lenient),
    });
    if (result.skipped > 0) io.stderr(`litestage: skipped ${result.skipped} malformed items\n`);
    return result.records;
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(error.message);
    if (error instanceof Error && !(error instanceof TypeError)) throw new CliError(error.message);
    throw error;
  }
}

export const taskCommand: CommandModule = {
  name: 'task',
  register(program: Command, io: CliIo) {
    const task = program.command('task').description('export and inspect multi-stage questions');

    addSelectionOptions(
      task
        .command('export')
        .description(
          'write questions as JSONL: options, gold answer, and for synthetic ones gold stage texts',
        )
        .option('--out <file>', 'write to this file (atomically) instead of stdout'),
    ).action(async (options: SelectionOptions & { out?: string }) => {
      const toFile = options.out !== undefined && options.out !== '-';
      if (toFile) await checkWritable(options.out as string);
      const records = await collect(options, io);
      const text = recordsToJsonl(records);
      if (!toFile) {
        io.stdout(text);
        return;
      }
      await writeFileAtomic(options.out as string, text);
      io.stderr(`wrote ${records.length} questions to ${options.out}\n`);
    });

    addSelectionOptions(
      task
        .command('show')
        .description(
          'print one question rendered in the TinyThinker format, with every stage prompt',
        )
        .option('--index <n>', 'which of the selected questions', nonNegativeInteger, 0)
        .option(
          '--few-shot <file>',
          'TinyThinker exemplars (*_cot.json) to put before the question',
        )
        .option('--shots <n>', 'how many exemplars to use', nonNegativeInteger),
    ).action(
      async (options: SelectionOptions & { index: number; fewShot?: string; shots?: number }) => {
        const records = await collect(
          { ...options, limit: options.limit ?? options.index + 1 },
          io,
        );
        const record = records[options.index];
        if (!record) {
          throw new CliError(
            `--index ${options.index} is out of range: ${records.length} questions selected`,
          );
        }
        let fewShot: FewShotExample[] = [];
        if (options.fewShot) {
          try {
            fewShot = await loadTinyThinkerExemplars(options.fewShot);
          } catch (error) {
            if (error instanceof DatasetError) throw new CliError(error.message);
            throw error;
          }
          if (options.shots !== undefined) fewShot = fewShot.slice(0, options.shots);
        }
        const format = createTinyThinkerFormat({ fewShot });
        const question: Question = questionOfRecord(record);
        const outputs = format.stages.map((stage) => record.gold?.[stage.name]);
        const lines = [`# ${record.id} (${record.task}), answer ${record.answer ?? 'unknown'}`];
        format.stages.forEach((stage, k) => {
          const previous = outputs.slice(0, k);
          const known = previous.every((o): o is string => typeof o === 'string');
          lines.push('', `## ${stage.name}: prompt`);
          lines.push(
            known
              ? format.stagePrompt(question, previous)
              : '(needs the outputs of earlier stages)',
          );
          const gold = outputs[k];
          if (gold !== undefined) lines.push(`## ${stage.name}: gold output`, gold);
        });
        io.stdout(`${lines.join('\n')}\n`);
      },
    );

    task
      .command('world')
      .description(
        'write the synthetic world: every creature, its attributes and its facts as sentences',
      )
      .option('--world-seed <n>', 'seed of the world (default 1)', nonNegativeInteger)
      .option('--out <file>', 'write to this file (atomically) instead of stdout')
      .action(async (options: { worldSeed?: number; out?: string }) => {
        const world = createWorld(
          options.worldSeed === undefined ? {} : { seed: options.worldSeed },
        );
        const text = `${JSON.stringify({ ...world, facts: worldFactSentences(world) }, null, 2)}\n`;
        if (options.out === undefined || options.out === '-') io.stdout(text);
        else {
          await writeFileAtomic(options.out, text);
          io.stderr(`wrote ${world.id} (${world.creatures.length} creatures) to ${options.out}\n`);
        }
      });
  },
};
