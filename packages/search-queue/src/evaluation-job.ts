import { createHash } from 'node:crypto';
import type { Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import {
  type Candidate,
  candidateKey,
  type EarlyExitShape,
  type QuestionScore,
} from '@litestage/search';

/** The BullMQ queue evaluations go to unless another is named. */
export const DEFAULT_QUEUE_NAME = 'litestage-evaluations';

/** What a search's evaluations share: the model, the task and the profile they modify. */
export interface EvaluationSetup {
  /** The bundle fingerprint every worker must have. */
  readonly fingerprint: string;
  /** The task format's registered name. */
  readonly task: string;
  readonly taskOptions?: Readonly<Record<string, unknown>>;
  /** The full-depth profile the candidates modify. */
  readonly baseProfile: Profile;
  readonly earlyExit: EarlyExitShape | null;
}

/** One job: one calibration question under one candidate. */
export interface EvaluationJob extends EvaluationSetup {
  readonly searchId: string;
  readonly candidate: Candidate;
  readonly skip: Readonly<Record<string, readonly string[]>>;
  readonly question: Question;
}

/** What a worker returns: the machine-independent score and who computed it. */
export interface EvaluationReply {
  readonly score: QuestionScore;
  readonly worker: string;
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/**
 * The search's id: a digest of everything an evaluation's answer depends on (the model,
 * the task, the base profile, the early-exit shape, the questions). Jobs are named by it,
 * so two searches never mix, and a restarted coordinator finds its earlier results.
 */
export function searchIdOf(setup: EvaluationSetup, questions: readonly Question[]): string {
  return digest({ ...setup, questions }).slice(0, 20);
}

/** The job id of a (candidate, question) pair of a search; BullMQ ids may not contain ':'. */
export function jobIdOf(
  searchId: string,
  stages: readonly string[],
  candidate: Candidate,
  skip: Readonly<Record<string, readonly string[]>>,
  questionIndex: number,
): string {
  const key = digest([candidateKey(candidate, stages), stages.map((s) => skip[s] ?? [])]);
  return `${searchId}.${key.slice(0, 20)}.${questionIndex}`;
}
