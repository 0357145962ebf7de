import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type {
  Candidate,
  EarlyExitShape,
  Evaluator,
  QuestionScore,
  StageCosines,
} from '@litestage/search';

export interface SearchWorkerData {
  readonly bundle: string;
  readonly task: string;
  readonly calib: string;
  readonly limit: number | undefined;
  readonly kvPolicy: 'reprefill' | 'reuse' | 'propagate';
  readonly earlyExit: EarlyExitShape | null;
}

export interface WorkerRequest {
  readonly id: number;
  readonly candidate: Candidate;
  readonly skip: Readonly<Record<string, readonly string[]>>;
  readonly questionId: string;
}

export type WorkerReply =
  | { readonly id: number; readonly score: QuestionScore }
  | { readonly id: number; readonly error: string };

// The same path from src/ (tests) and dist/ (the built CLI): the built worker.
const WORKER_FILE = fileURLToPath(new URL('../dist/search-worker.js', import.meta.url));

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
    count: number,
    data: SearchWorkerData,
  ) {
    this.stages = local.stages;
    this.numLayers = local.numLayers;
    this.questionIds = local.questionIds;
    this.workers = Array.from({ length: count }, () => {
      const worker = new Worker(WORKER_FILE, { workerData: data });
      worker.on('message', (reply: WorkerReply) => {
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if ('error' in reply) waiting.reject(new Error(`search worker: ${reply.error}`));
        else {
          this.evaluated++;
          waiting.resolve(reply.score);
        }
      });
      worker.on('error', (error) => {
        for (const waiting of this.pending.values()) waiting.reject(error);
        this.pending.clear();
      });
      return worker;
    });
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

  cosines(questionId: string): Promise<Readonly<Record<string, StageCosines>>> {
    return this.local.cosines(questionId);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
