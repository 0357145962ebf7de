import { optionLabel, type Question } from '@litestage/core';
import { DatasetError, type DatasetLocation, formatLocation } from './dataset-error.js';

export const REAL_DATASETS = ['csqa', 'obqa', 'strategyqa'] as const;
export type RealDatasetName = (typeof REAL_DATASETS)[number];

export interface ParseDatasetOptions {
  /** Named in errors and used in ids when items have none: usually the file path. */
  readonly source: string;
  /** Skip malformed items and count them instead of throwing on the first. */
  readonly lenient?: boolean;
}

export interface SkippedItem {
  readonly location: DatasetLocation;
  readonly reason: string;
}

export interface LoadedDataset {
  readonly dataset: RealDatasetName;
  readonly source: string;
  readonly questions: Question[];
  /** Malformed items skipped under `lenient`; empty otherwise. */
  readonly skipped: SkippedItem[];
}

/** Option counts of the multiple-choice datasets, checked on every item. */
const OPTION_COUNT = { csqa: 5, obqa: 4 } as const;

export function parseDataset(
  dataset: RealDatasetName,
  text: string,
  options: ParseDatasetOptions,
): LoadedDataset {
  switch (dataset) {
    case 'csqa':
    case 'obqa':
      return parseChoiceJsonl(dataset, text, options);
    case 'strategyqa':
      return parseStrategyQa(text, options);
    default:
      throw new Error(`unknown dataset "${dataset as string}"; known: ${REAL_DATASETS.join(', ')}`);
  }
}

/** Collects items, or throws on the first problem unless lenient. */
class ItemCollector {
  readonly questions: Question[] = [];
  readonly skipped: SkippedItem[] = [];
  private readonly ids = new Map<string, DatasetLocation>();

  constructor(private readonly options: ParseDatasetOptions) {}

  add(location: DatasetLocation, read: () => Question): void {
    try {
      const question = read();
      const previous = this.ids.get(question.id);
      if (previous) {
        throw new ItemProblem(
          `duplicate id "${question.id}" (first at${formatLocation(previous)})`,
        );
      }
      this.ids.set(question.id, location);
      this.questions.push(question);
    } catch (error) {
      if (!(error instanceof ItemProblem)) throw error;
      if (!this.options.lenient)
        throw new DatasetError(this.options.source, error.message, location);
      this.skipped.push({ location, reason: error.message });
    }
  }
}

class ItemProblem extends Error {}

const problem = (message: string): never => {
  throw new ItemProblem(message);
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** CommonsenseQA and OpenBookQA: one JSON object a line, `{ id, question: { stem, choices }, answerKey }`. */
function parseChoiceJsonl(
  dataset: 'csqa' | 'obqa',
  text: string,
  options: ParseDatasetOptions,
): LoadedDataset {
  const collector = new ItemCollector(options);
  const expected = OPTION_COUNT[dataset];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    collector.add({ line: i + 1 }, () => {
      let item: unknown;
      try {
        item = JSON.parse(line);
      } catch (error) {
        return problem(`not valid JSON: ${(error as Error).message}`);
      }
      if (!isRecord(item)) return problem('expected a JSON object');
      const id = item.id;
      if (typeof id !== 'string' || id === '') return problem('"id" must be a non-empty string');
      const body = isRecord(item.question)
        ? item.question
        : problem('"question" must be an object');
      const stem = body.stem;
      if (typeof stem !== 'string' || stem.trim() === '') {
        return problem('"question.stem" must be a non-empty string');
      }
      const choices = Array.isArray(body.choices)
        ? body.choices
        : problem('"question.choices" must be an array');
      if (choices.length !== expected) {
        return problem(`expected ${expected} choices, found ${choices.length}`);
      }
      const optionTexts = choices.map((choice, c) => {
        if (
          !isRecord(choice) ||
          typeof choice.text !== 'string' ||
          typeof choice.label !== 'string'
        ) {
          return problem(`choice ${c} must be { "label": string, "text": string }`);
        }
        if (choice.label !== optionLabel(c)) {
          return problem(`choice ${c} has label "${choice.label}", expected "${optionLabel(c)}"`);
        }
        return choice.text.trim();
      });
      const answerKey = item.answerKey;
      if (
        answerKey !== undefined &&
        !(typeof answerKey === 'string' && optionTexts[labelIndex(answerKey)])
      ) {
        return problem(`"answerKey" ${JSON.stringify(answerKey)} is not one of the choice labels`);
      }
      return {
        id,
        question: stem.trim(),
        options: optionTexts,
        ...(answerKey === undefined ? {} : { answer: answerKey as string }),
      };
    });
  });
  return {
    dataset,
    source: options.source,
    questions: collector.questions,
    skipped: collector.skipped,
  };
}

function labelIndex(label: string): number {
  return label.length === 1 ? label.charCodeAt(0) - 65 : -1;
}

/**
 * StrategyQA: a JSON array of `{ question, answer, ... }` with answers "Yes." / "No." (or
 * booleans, as in the original release); yes/no become options A/B. Items without a `qid`
 * get `<file stem>-<index>` as id.
 */
function parseStrategyQa(text: string, options: ParseDatasetOptions): LoadedDataset {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(options.source, `not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items))
    throw new DatasetError(options.source, 'expected a JSON array of questions');
  const stem = fileStem(options.source);
  const collector = new ItemCollector(options);
  items.forEach((item, index) => {
    collector.add({ index }, () => {
      if (!isRecord(item)) return problem('expected a JSON object');
      const question = item.question;
      if (typeof question !== 'string' || question.trim() === '') {
        return problem('"question" must be a non-empty string');
      }
      const answer = readYesNo(item.answer);
      const id = typeof item.qid === 'string' && item.qid !== '' ? item.qid : `${stem}-${index}`;
      return { id, question: question.trim(), options: ['yes', 'no'], answer: answer ? 'A' : 'B' };
    });
  });
  return {
    dataset: 'strategyqa',
    source: options.source,
    questions: collector.questions,
    skipped: collector.skipped,
  };
}

function readYesNo(answer: unknown): boolean {
  if (typeof answer === 'boolean') return answer;
  if (typeof answer === 'string') {
    const word = answer.trim().replace(/\.$/, '').toLowerCase();
    if (word === 'yes') return true;
    if (word === 'no') return false;
  }
  return problem(`"answer" must be "Yes." or "No." (or a boolean), got ${JSON.stringify(answer)}`);
}

function fileStem(source: string): string {
  const base = source.split(/[\\/]/).pop() ?? source;
  return base.replace(/\.[^.]*$/, '') || 'item';
}
