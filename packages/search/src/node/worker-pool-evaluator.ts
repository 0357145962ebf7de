import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Question } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import type { Profile } from '@litestage/profile';
import type { RunDevice } from '@litestage/runtime';
import type { Candidate, EarlyExitShape, QuestionScore } from '../candidate.js';
import type {
  CosineRequest,
  EvaluationDistribution,
  Evaluator,
  StageCosines,
} from '../evaluator.js';

/** What each worker needs to open its own copy of the model and the questions. */
export interface SearchWorkerData {
  /** The bundle folder. */
  readonly bundle: string;
  /** The task format's registered name. */
  readonly task: string;
  /** The full-depth profile the candidates modify (as the parent's evaluator has it). */
  readonly baseProfile: Profile;
  readonly questions: readonly Question[];
  readonly earlyExit: EarlyExitShape | null;
  /** CPU threads per worker (default 1: the workers already run side by side). */
  readonly threads?: number;
  /** The device every worker runs on (default cpu): the one the parent's runtime chose. */
  readonly device?: RunDevice;
}

export interface WorkerPoolOptions extends SearchWorkerData {
  /** How many worker threads, each with its own session. */
  readonly workers: number;
}

/** @internal The message a worker gets: one question under one candidate. */
export interface WorkerRequest {
  readonly id: number;
  readonly candidate: Candidate;
  readonly skip: Readonly<Record<string, readonly string[]>>;
  readonly questionId: string;
}

/** @internal A worker's answer to a request. */
export type WorkerReply =
  | { readonly id: number; readonly score: QuestionScore }
  | { readonly id: number; readonly error: string };

/** A worker thread that could not open its model or evaluate a question. */
export class SearchWorkerError extends LiteStageError {
  override readonly name = 'SearchWorkerError';
}

// The same path from src/node (tests) and dist/node (the built package): the built worker.
const WORKER_FILE = fileURLToPath(new URL('../../dist/node/search-worker.js', import.meta.url));

/**
 * Spreads a candidate's questions over worker threads, each with its own session (and its
 * own copy of the model in memory). Ranking and single evaluations stay on `local`.
 */
export class WorkerPoolEvaluator implements Evaluator {
  readonly stages: readonly string[];
  readonly numLayers: number;
  readonly questionIds: readonly string[];
  private readonly workers: Worker[];
  private readonly pending = new Map<
    number,
    { resolve: (s: QuestionScore) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  /** Questions the workers have evaluated. */
  evaluated = 0;

  constructor(
    private readonly local: Evaluator,
    options: WorkerPoolOptions,
  ) {
    this.stages = local.stages;
    this.numLayers = local.numLayers;
    this.questionIds = local.questionIds;
    const { workers, ...workerData } = options;
    this.workers = Array.from({ length: workers }, () => this.startWorker(workerData));
  }

  private startWorker(workerData: SearchWorkerData): Worker {
    const worker = new Worker(WORKER_FILE, { workerData });
    worker.on('message', (reply: WorkerReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if ('error' in reply) waiting.reject(new SearchWorkerError(`search worker: ${reply.error}`));
      else {
        this.evaluated++;
        waiting.resolve(reply.score);
      }
    });
    worker.on('error', (error) => {
      for (const waiting of this.pending.values())
        waiting.reject(new SearchWorkerError(`search worker: ${error.message}`));
      this.pending.clear();
    });
    return worker;
  }

  evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionId: string,
  ): Promise<QuestionScore> {
    return this.local.evaluate(candidate, skip, questionId);
  }

  evaluateMany(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionIds: readonly string[],
  ): Promise<QuestionScore[]> {
    return Promise.all(
      questionIds.map(
        (questionId, i) =>
          new Promise<QuestionScore>((resolve, reject) => {
            const id = this.nextId++;
            this.pending.set(id, { resolve, reject });
            const request: WorkerRequest = { id, candidate, skip, questionId };
            (this.workers[i % this.workers.length] as Worker).postMessage(request);
          }),
      ),
    );
  }

  cosines(
    questionId: string,
    request?: CosineRequest,
  ): Promise<Readonly<Record<string, StageCosines>>> {
    return this.local.cosines(questionId, request);
  }

  distribution(): EvaluationDistribution {
    return { mode: 'threads', workers: this.workers.length };
  }

  /** Stops the workers (their sessions go with them). */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
