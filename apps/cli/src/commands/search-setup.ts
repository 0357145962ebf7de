import { availableParallelism, cpus } from 'node:os';
import { nodeRuntimeVersions } from '@litestage/backend-node';
import type { Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import type { Runtime } from '@litestage/runtime';
import {
  type LatencyModel,
  measureLatencyModel,
  type ProfileTemplate,
  SEARCH_VERSION,
} from '@litestage/search';
import { questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import { CliError } from '../cli-error.js';

/** This CPU as profiles and reports name it. */
export function deviceDescription(): string {
  return `${cpus()[0]?.model?.trim() ?? 'cpu'} (${availableParallelism()} cores)`;
}

/** What a search on this runtime writes into its profile besides its findings. */
export function searchTemplate(
  runtime: Runtime,
  base: Profile,
  calibrationId: string,
): ProfileTemplate {
  return {
    base,
    calibrationId,
    searcher: { name: '@litestage/search', version: SEARCH_VERSION },
    environment: {
      device: deviceDescription(),
      backend: runtime.session.backend,
      executionProvider: runtime.session.executionProvider,
      runtimeVersions: nodeRuntimeVersions(),
    },
  };
}

/** Measures the latency model of this runtime, on the first calibration question's prompt. */
export function measureRuntimeLatency(
  runtime: Runtime,
  questions: readonly Question[],
): Promise<LatencyModel> {
  const prompt = runtime.format.stagePrompt(questions[0] as Question, []);
  const promptTokens = runtime.tokenizer.encode(prompt, { addBos: true });
  return measureLatencyModel(runtime.session, { promptTokens });
}

/** The first `limit` questions of a calibration file, each with a gold answer. */
export async function calibrationQuestions(file: string, limit?: number): Promise<Question[]> {
  const questions = (await loadQuestionRecords(file))
    .slice(0, limit ?? Number.POSITIVE_INFINITY)
    .map(questionOfRecord);
  if (questions.length === 0) throw new CliError(`${file}: no questions`);
  return checkGold(questions, file);
}

/** Calibration questions must have gold answers. */
export function checkGold(questions: Question[], source: string): Question[] {
  if (questions.some((q) => q.answer === undefined))
    throw new CliError(`${source}: calibration questions need gold answers`);
  return questions;
}
