import { optionIndex, type Question, type TaskFormat } from '@litestage/core';
import { DatasetError } from './datasets/dataset-error.js';

/**
 * One line of the JSONL that `litestage task export` writes and `litestage run --dataset`
 * reads: a question with its options and gold answer, and for synthetic questions the
 * gold stage texts and the whole rendered training trace (`text`), so training code never
 * has to re-implement the format.
 */
export interface QuestionRecord {
  readonly id: string;
  readonly task: string;
  readonly question: string;
  readonly options: readonly string[];
  readonly answer?: string;
  readonly gold?: Readonly<Record<string, string>>;
  readonly text?: string;
  readonly meta?: Readonly<Record<string, unknown>>;
}

export function toQuestionRecord(
  task: string,
  question: Question,
  { format, meta }: { format?: TaskFormat; meta?: Record<string, unknown> } = {},
): QuestionRecord {
  const gold = question.gold;
  const outputs = gold && format ? format.stages.map((stage) => gold[stage.name]) : undefined;
  const text =
    outputs && format && outputs.every((o): o is string => typeof o === 'string')
      ? format.renderTrace(question, outputs)
      : undefined;
  return {
    id: question.id,
    task,
    question: question.question,
    options: question.options,
    ...(question.answer === undefined ? {} : { answer: question.answer }),
    ...(gold === undefined ? {} : { gold }),
    ...(text === undefined ? {} : { text }),
    ...(meta === undefined ? {} : { meta }),
  };
}

/** Reads records written by `toQuestionRecord` (one JSON object a line), checking each. */
export function parseQuestionRecords(text: string, source: string): QuestionRecord[] {
  const records: QuestionRecord[] = [];
  const ids = new Set<string>();
  for (const [i, raw] of text.split('\n').entries()) {
    if (raw.trim() === '') continue;
    const fail = (message: string): never => {
      throw new DatasetError(source, message, { line: i + 1 });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      fail(`not valid JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      fail('expected a JSON object');
    const record = value as Record<string, unknown>;
    for (const field of ['id', 'task', 'question'] as const) {
      if (typeof record[field] !== 'string' || record[field] === '')
        fail(`"${field}" must be a non-empty string`);
    }
    const options = record.options;
    if (
      !Array.isArray(options) ||
      options.length < 2 ||
      !options.every((o) => typeof o === 'string')
    ) {
      fail('"options" must be an array of at least two strings');
    }
    const answer = record.answer;
    if (answer !== undefined) {
      const index = typeof answer === 'string' ? optionIndex(answer) : -1;
      if (index < 0 || index >= (options as string[]).length) {
        fail(`"answer" ${JSON.stringify(answer)} is not one of the option labels`);
      }
    }
    const gold = record.gold;
    if (
      gold !== undefined &&
      (typeof gold !== 'object' ||
        gold === null ||
        !Object.values(gold).every((g) => typeof g === 'string'))
    ) {
      fail('"gold" must map stage names to strings');
    }
    if (ids.has(record.id as string)) fail(`duplicate id "${record.id}"`);
    ids.add(record.id as string);
    records.push(record as unknown as QuestionRecord);
  }
  return records;
}

/** The question inside a record, ready for a `TaskFormat`. */
export function questionOfRecord(record: QuestionRecord): Question {
  return {
    id: record.id,
    question: record.question,
    options: record.options,
    ...(record.answer === undefined ? {} : { answer: record.answer }),
    ...(record.gold === undefined ? {} : { gold: record.gold }),
  };
}
