import type { Question } from '@litestage/core';
import type {
  Candidate,
  CosineRequest,
  EvaluationDistribution,
  Evaluator,
  QuestionScore,
  StageCosines,
} from '@litestage/search';
import { type Job, Queue, QueueEvents } from 'bullmq';
import { QueueJobError } from './errors.js';
import {
  DEFAULT_QUEUE_NAME,
  type EvaluationJob,
  type EvaluationReply,
  type EvaluationSetup,
  jobIdOf,
  searchIdOf,
} from './evaluation-job.js';
import { parseRedisUrl, type RedisAddress } from './redis-url.js';
import { RedisWatch } from './redis-watch.js';
import { withinMs } from './within.js';

/** How long finished jobs stay in Redis for a restarted coordinator to find (seconds). */
const RETAIN_SECONDS = 7 * 24 * 3600;

export interface QueueEvaluatorOptions extends EvaluationSetup {
  /** `redis://host:port[/db]`. */
  readonly url: string;
  /** The BullMQ queue (default `litestage-evaluations`); workers must listen on the same. */
  readonly queueName?: string;
  /** The calibration questions, in the order the search evaluates them. */
  readonly questions: readonly Question[];
  /** How long Redis may stay unreachable before the search stops (ms, default 15 000). */
  readonly unreachableAfterMs?: number;
}

/**
 * The coordinator's side of a search across machines: every (candidate, question)
 * evaluation becomes a BullMQ job, named by the search's id, that any `litestage worker`
 * with the same bundle may take. The ranking's cosines stay on `local` (one full-depth pass
 * on the coordinator), and so does latency: workers report answers and token counts only,
 * which do not depend on the machine.
 */
export class QueueEvaluator implements Evaluator {
  readonly stages: readonly string[];
  readonly numLayers: number;
  readonly questionIds: readonly string[];
  /** The digest that names this search's jobs. */
  readonly searchId: string;
  readonly address: RedisAddress;
  /** Question evaluations answered through the queue in this run. */
  evaluated = 0;
  /** The workers that answered, by name. */
  readonly workers = new Set<string>();
  private readonly index: Map<string, number>;
  private readonly setup: EvaluationSetup;

  private constructor(
    private readonly local: Evaluator,
    private readonly options: QueueEvaluatorOptions,
    address: RedisAddress,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly watch: RedisWatch,
  ) {
    this.stages = local.stages;
    this.numLayers = local.numLayers;
    this.questionIds = options.questions.map((q) => q.id);
    if (this.questionIds.join('\n') !== local.questionIds.join('\n'))
      throw new Error('the queue and the local evaluator must have the same questions');
    this.index = new Map(this.questionIds.map((id, i) => [id, i]));
    this.address = address;
    this.setup = {
      fingerprint: options.fingerprint,
      task: options.task,
      ...(options.taskOptions ? { taskOptions: options.taskOptions } : {}),
      baseProfile: options.baseProfile,
      earlyExit: options.earlyExit,
    };
    this.searchId = searchIdOf(this.setup, options.questions);
  }

  /**
   * Connects to Redis (failing at once, with one line, when it cannot be reached) and
   * returns the evaluator. `local` answers the ranking's cosines.
   */
  static async open(local: Evaluator, options: QueueEvaluatorOptions): Promise<QueueEvaluator> {
    const address = parseRedisUrl(options.url);
    const watch = await RedisWatch.open(address, options.unreachableAfterMs ?? 15_000);
    const name = options.queueName ?? DEFAULT_QUEUE_NAME;
    const connection = { url: address.url, maxRetriesPerRequest: null };
    const queue = new Queue(name, { connection });
    const events = new QueueEvents(name, { connection });
    // Each job waited on listens for the queue's closing: a batch is many listeners.
    queue.setMaxListeners(0);
    // Connection errors surface through the watch; these keep them from being unhandled.
    queue.on('error', () => {});
    events.on('error', () => {});
    try {
      await watch.guard(Promise.all([queue.waitUntilReady(), events.waitUntilReady()]));
    } catch (error) {
      await closeAll(queue, events, watch);
      throw error;
    }
    return new QueueEvaluator(local, options, address, queue, events, watch);
  }

  evaluate(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionId: string,
  ): Promise<QuestionScore> {
    return this.evaluateMany(candidate, skip, [questionId]).then((scores) => {
      const score = scores[0];
      if (!score) throw new Error(`no score for question "${questionId}"`);
      return score;
    });
  }

  async evaluateMany(
    candidate: Candidate,
    skip: Readonly<Record<string, readonly string[]>>,
    questionIds: readonly string[],
  ): Promise<QuestionScore[]> {
    const entries = questionIds.map((questionId) => {
      const i = this.index.get(questionId);
      if (i === undefined) throw new Error(`no calibration question "${questionId}"`);
      const data: EvaluationJob = {
        ...this.setup,
        searchId: this.searchId,
        candidate,
        skip,
        question: this.options.questions[i] as Question,
      };
      return { id: jobIdOf(this.searchId, this.stages, candidate, skip, i), data };
    });
    // A job that failed before (a worker with the wrong bundle, since stopped) is run again.
    await this.watch.guard(this.removeFailed(entries.map((e) => e.id)));
    const jobs = await this.watch.guard(
      this.queue.addBulk(
        entries.map((e) => ({
          name: this.searchId,
          data: e.data,
          opts: {
            jobId: e.id,
            attempts: 1,
            removeOnComplete: { age: RETAIN_SECONDS },
            removeOnFail: { age: RETAIN_SECONDS },
          },
        })),
      ),
    );
    const stopWatching = this.watch.watchJobs(this.queue, jobs);
    try {
      const replies = await this.watch.guard(Promise.all(jobs.map((job) => this.resultOf(job))));
      for (const reply of replies) this.workers.add(reply.worker);
      this.evaluated += replies.length;
      return replies.map((r) => r.score);
    } catch (error) {
      await this.withdraw(jobs);
      throw error;
    } finally {
      stopWatching();
    }
  }

  private async resultOf(job: Job): Promise<EvaluationReply> {
    try {
      return (await job.waitUntilFinished(this.events)) as EvaluationReply;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QueueJobError(
        `evaluation job ${job.id} (question "${(job.data as EvaluationJob).question.id}") failed: ${reason}`,
        {
          hint: /stalled/.test(reason)
            ? 'a worker died while running it, more than once (out of memory?): check the workers'
            : 'fix the worker named above and run the same search command again to resume',
        },
      );
    }
  }

  private async removeFailed(ids: readonly string[]): Promise<void> {
    const states = await Promise.all(ids.map((id) => this.queue.getJobState(id)));
    await Promise.all(
      ids.filter((_, i) => states[i] === 'failed').map((id) => this.queue.remove(id)),
    );
  }

  /** After a failure: takes back the batch's jobs no worker has started. */
  private async withdraw(jobs: readonly Job[]): Promise<void> {
    if (this.watch.lost) return;
    await Promise.all(
      jobs.map(async (job) => {
        try {
          if ((await job.getState()) === 'waiting') await job.remove();
        } catch {
          // Taken by a worker meanwhile: it finishes and stays for a resumed search.
        }
      }),
    );
  }

  cosines(
    questionId: string,
    request?: CosineRequest,
  ): Promise<Readonly<Record<string, StageCosines>>> {
    return this.local.cosines(questionId, request);
  }

  distribution(): EvaluationDistribution {
    return { mode: 'queue', workers: this.workers.size };
  }

  /** Closes the connections (never waits long on a Redis that is gone). */
  async close(): Promise<void> {
    await closeAll(this.queue, this.events, this.watch);
  }
}

async function closeAll(queue: Queue, events: QueueEvents, watch: RedisWatch): Promise<void> {
  watch.close();
  // BullMQ's close and disconnect wait for their connections: against a Redis that is gone
  // they would wait forever, so they get a few seconds.
  const closing = watch.lost
    ? Promise.all([queue.disconnect(), events.disconnect()])
    : Promise.all([queue.close(), events.close()]);
  await withinMs(
    closing.catch(() => {}),
    watch.lost ? 1000 : 5000,
  );
}
