import { readFile } from 'node:fs/promises';
import { DatasetError } from '../datasets/dataset-error.js';
import {
  type LoadedDataset,
  parseDataset,
  REAL_DATASETS,
  type RealDatasetName,
} from '../datasets/real-datasets.js';
import { selectQuestions, splitOfQuestion } from '../datasets/select-questions.js';
import { readTinyThinkerExemplars } from '../formats/few-shot.js';
import type { FewShotExample } from '../formats/tinythinker-format.js';
import { createTinyThinkerFormat } from '../formats/tinythinker-format.js';
import { parseQuestionRecords, type QuestionRecord, toQuestionRecord } from '../question-record.js';
import {
  generateSyntheticQuestions,
  SYNTHETIC_SPLITS,
  type SyntheticSplit,
} from '../synthetic/questions.js';
import { createWorld } from '../synthetic/world.js';

export {
  appendLine,
  checkWritable,
  OutputFileError,
  readLines,
  writeFileAtomic,
} from './output-file.js';

/**
 * The Node-only edge of `@litestage/tasks`: reading dataset files and writing exports.
 * Everything here delegates to the browser-safe parsers of the main entry.
 */

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DatasetError(file, code === 'ENOENT' ? 'file not found' : (error as Error).message);
  }
}

export async function loadDataset(
  dataset: RealDatasetName,
  file: string,
  options: { lenient?: boolean } = {},
): Promise<LoadedDataset> {
  return parseDataset(dataset, await readText(file), { source: file, ...options });
}

export async function loadTinyThinkerExemplars(file: string): Promise<FewShotExample[]> {
  return readTinyThinkerExemplars(await readText(file), file);
}

export async function loadQuestionRecords(file: string): Promise<QuestionRecord[]> {
  return parseQuestionRecords(await readText(file), file);
}

/** Writes through a temporary file renamed into place: readers never see half a file. */
export const TASK_NAMES = ['synthetic', ...REAL_DATASETS] as const;
export type TaskName = (typeof TASK_NAMES)[number];
export type TaskSplit = SyntheticSplit | 'all';

/** Questions generated per synthetic split when no limit is given. */
export const DEFAULT_SYNTHETIC_COUNTS: Readonly<Record<SyntheticSplit, number>> = {
  train: 20000,
  calib: 500,
  test: 1000,
};

export interface CollectRequest {
  readonly task: TaskName;
  /** Synthetic: train, calib or test. Real datasets: all (default), calib or test. */
  readonly split?: TaskSplit;
  /** The dataset file (real datasets only). */
  readonly file?: string;
  readonly limit?: number;
  readonly seed?: number;
  /** The synthetic world's seed (default 1: the world the demo model knows). */
  readonly worldSeed?: number;
  readonly lenient?: boolean;
}

export interface CollectedQuestions {
  readonly records: QuestionRecord[];
  /** Malformed items skipped under `lenient`. */
  readonly skipped: number;
}

/** The questions `litestage task export` writes, as records. */
export async function collectTaskQuestions(request: CollectRequest): Promise<CollectedQuestions> {
  const { task } = request;
  if (task === 'synthetic') {
    if (request.file)
      throw new Error('--file is for real datasets; synthetic questions are generated');
    const split = request.split ?? 'train';
    if (split === 'all')
      throw new Error(`synthetic questions need a split: ${SYNTHETIC_SPLITS.join(', ')}`);
    const world = createWorld(request.worldSeed === undefined ? {} : { seed: request.worldSeed });
    const format = createTinyThinkerFormat();
    const questions = generateSyntheticQuestions(world, {
      split,
      count: request.limit ?? DEFAULT_SYNTHETIC_COUNTS[split],
      ...(request.seed === undefined ? {} : { seed: request.seed }),
    });
    return {
      records: questions.map((q) =>
        toQuestionRecord(task, q, { format, meta: { template: q.template, world: q.world } }),
      ),
      skipped: 0,
    };
  }
  if (!(REAL_DATASETS as readonly string[]).includes(task)) {
    throw new Error(`unknown task "${task}"; known: ${TASK_NAMES.join(', ')}`);
  }
  if (!request.file) throw new Error(`--file is required for ${task}: the dataset file to read`);
  const split = request.split ?? 'all';
  if (split === 'train') {
    throw new Error(
      'real datasets have no train split here (LiteStage is training-free): use --split all, calib or test',
    );
  }
  const loaded = await loadDataset(task, request.file, { lenient: request.lenient ?? false });
  const inSplit =
    split === 'all'
      ? loaded.questions
      : loaded.questions.filter((q) => splitOfQuestion(q) === split);
  const selected = selectQuestions(inSplit, {
    ...(request.limit === undefined ? {} : { limit: request.limit }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
  });
  return {
    records: selected.map((q) => toQuestionRecord(task, q)),
    skipped: loaded.skipped.length,
  };
}

export function recordsToJsonl(records: readonly QuestionRecord[]): string {
  return records.map((record) => `${JSON.stringify(record)}\n`).join('');
}
