import { readFile } from 'node:fs/promises';
import { optionLabel, type Question } from '@litestage/core';
import { type Profile, parseProfile } from '@litestage/profile';
import { type FewShotExample, questionOfRecord } from '@litestage/tasks';
import {
  collectTaskQuestions,
  loadQuestionRecords,
  loadTinyThinkerExemplars,
} from '@litestage/tasks/node';
import { CliError } from '../cli-error.js';

/** Where `litestage run` takes its questions from, and how many. */
export interface QuestionFlags {
  question?: string;
  options?: string;
  answer?: string;
  dataset?: string;
  synthetic?: 'train' | 'calib' | 'test';
  seed?: number;
  limit?: number;
}

/** The questions of `--question`, `--dataset` or `--synthetic` (exactly one), checked. */
export async function questionsOf(flags: QuestionFlags): Promise<Question[]> {
  const sources = [flags.question, flags.dataset, flags.synthetic].filter((x) => x !== undefined);
  if (sources.length !== 1) {
    throw new CliError('give one of --question (with --options), --dataset or --synthetic');
  }
  let questions: Question[];
  if (flags.synthetic) {
    const { records } = await collectTaskQuestions({
      task: 'synthetic',
      split: flags.synthetic,
      limit: flags.limit ?? 5,
      ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    });
    questions = records.map(questionOfRecord);
  } else if (flags.dataset) {
    questions = (await loadQuestionRecords(flags.dataset))
      .slice(0, flags.limit ?? Number.POSITIVE_INFINITY)
      .map(questionOfRecord);
  } else {
    questions = [commandLineQuestion(flags)];
  }
  if (questions.length === 0) throw new CliError('no questions to answer');
  return questions;
}

/** The one question of `--question`, `--options` and `--answer`. */
function commandLineQuestion(flags: QuestionFlags): Question {
  const options = (flags.options ?? '')
    .split('|')
    .map((o) => o.trim())
    .filter(Boolean);
  if (options.length < 2)
    throw new CliError('a question needs at least two --options, separated by "|"');
  const labels = options.map((_, i) => optionLabel(i));
  if (flags.answer !== undefined && !labels.includes(flags.answer)) {
    throw new CliError(
      `--answer "${flags.answer}" is not one of the options' labels (${labels.join(', ')})`,
    );
  }
  return {
    id: 'question',
    question: flags.question as string,
    options,
    ...(flags.answer === undefined ? {} : { answer: flags.answer }),
  };
}

/** The profile at `--profile` (its own errors name the file and the JSON path). */
export async function readProfileFile(path: string): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`profile not found: ${path}`);
  }
  return parseProfile(text, { source: path });
}

/** The first `shots` TinyThinker exemplars of `--few-shot`, or none. */
export async function fewShotOf(flags: {
  fewShot?: string;
  shots?: number;
}): Promise<FewShotExample[]> {
  if (!flags.fewShot) return [];
  const examples = await loadTinyThinkerExemplars(flags.fewShot);
  return flags.shots === undefined ? examples : examples.slice(0, flags.shots);
}
