import { hostname } from 'node:os';
import type { TaskFormat } from '@litestage/core';
import { type Device, type ModelBundleSource, openRuntime, type Runtime } from '@litestage/runtime';
import { EngineEvaluator } from '@litestage/search';
import { getTaskFormat } from '@litestage/tasks';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import { DEFAULT_QUEUE_NAME, type EvaluationJob, type EvaluationReply } from './evaluation-job.js';
import { parseRedisUrl } from './redis-url.js';
import { RedisWatch } from './redis-watch.js';
import { withinMs } from './within.js';

export interface QueueWorkerOptions {
  /** `redis://host:port[/db]`. */
  readonly url: string;
  /** The BullMQ queue (default `litestage-evaluations`). */
  readonly queueName?: string;
  /** The bundle folder (or one already opened); its fingerprint must match the jobs'. */
  readonly bundle: string | ModelBundleSource;
  readonly device?: Device;
  /** CPU threads per session (default 1). */
  readonly threads?: number;
  /** Jobs run at once, each on its own session (default 1). */
  readonly concurrency?: number;
  /** The name reported with each answer (default host:pid). */
  readonly name?: string;
  /**
   * How long a job may go without its worker's heartbeat before another worker takes it
   * (ms, default 30 000): BullMQ's lock duration and stalled-job check interval.
   */
  readonly stalledAfterMs?: number;
  readonly onEvent?: (event: QueueWorkerEvent) => void;
}

export type QueueWorkerEvent =
  | { readonly type: 'completed'; readonly searchId: string; readonly processed: number }
  | { readonly type: 'failed'; readonly searchId: string; readonly reason: string }
  | { readonly type: 'connection-error'; readonly message: string };

/** A running worker: `close` lets the jobs in hand finish, then releases the sessions. */
export interface QueueWorker {
  readonly name: string;
  readonly fingerprint: string;
  readonly bundleLocation: string;
  readonly device: string;
  readonly concurrency: number;
  /** Jobs answered so far. */
  readonly processed: number;
  close(): Promise<void>;
}

/**
 * Takes evaluation jobs from the queue and answers them with the staged engine on its own
 * sessions. A job for another bundle (fingerprint) fails at once with an error naming this
 * worker and both fingerprints, never with a wrong answer.
 */
export async function startQueueWorker(options: QueueWorkerOptions): Promise<QueueWorker> {
  const address = parseRedisUrl(options.url);
  // Fail at once on a wrong address, before loading any model.
  (await RedisWatch.open(address, Number.POSITIVE_INFINITY)).close();
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new RangeError(`concurrency must be an integer >= 1, not ${concurrency}`);
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const runtimes: Runtime[] = [];
  try {
    let bundle = options.bundle;
    for (let i = 0; i < concurrency; i++) {
      const runtime = await openRuntime({
        bundle,
        device: options.device ?? 'cpu',
        threads: options.threads ?? 1,
      });
      bundle = runtime.bundle;
      runtimes.push(runtime);
    }
  } catch (error) {
    await Promise.all(runtimes.map((r) => r.dispose()));
    throw error;
  }
  const first = runtimes[0] as Runtime;
  const fingerprint = first.manifest.fingerprint;
  const bundleLocation = first.bundle.location;
  const free = [...runtimes];
  const formats = new Map<string, TaskFormat>();
  const formatOf = (job: EvaluationJob): TaskFormat => {
    const key = JSON.stringify([job.task, job.taskOptions ?? null]);
    let format = formats.get(key);
    if (!format) {
      format = getTaskFormat(job.task, job.taskOptions);
      formats.set(key, format);
    }
    return format;
  };
  let processed = 0;

  const answer = async (job: Job): Promise<EvaluationReply> => {
    const data = job.data as EvaluationJob;
    if (data.fingerprint !== fingerprint) {
      throw new UnrecoverableError(
        `worker ${name} has another bundle: ${bundleLocation} is ${fingerprint}, the search needs ${data.fingerprint}`,
      );
    }
    const runtime = free.pop();
    if (!runtime) throw new Error(`worker ${name}: no free session (more jobs than concurrency)`);
    try {
      const evaluator = new EngineEvaluator({
        session: runtime.session,
        tokenizer: runtime.tokenizer,
        format: formatOf(data),
        baseProfile: data.baseProfile,
        questions: [data.question],
        earlyExit: data.earlyExit,
      });
      const score = await evaluator.evaluate(data.candidate, data.skip, data.question.id);
      return { score, worker: name };
    } catch (error) {
      throw new Error(`worker ${name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      free.push(runtime);
    }
  };

  const stalledAfterMs = options.stalledAfterMs ?? 30_000;
  const worker = new Worker(options.queueName ?? DEFAULT_QUEUE_NAME, answer, {
    connection: { url: address.url, maxRetriesPerRequest: null },
    concurrency,
    name,
    lockDuration: stalledAfterMs,
    stalledInterval: stalledAfterMs,
    // A job whose worker died is run again once more by another; a second death fails it.
    maxStalledCount: 2,
  });
  worker.on('completed', (job) => {
    processed++;
    options.onEvent?.({ type: 'completed', searchId: job.name, processed });
  });
  worker.on('failed', (job, error) => {
    options.onEvent?.({ type: 'failed', searchId: job?.name ?? '?', reason: error.message });
  });
  worker.on('error', (error) => {
    options.onEvent?.({ type: 'connection-error', message: error.message });
  });
  await worker.waitUntilReady();
  return {
    name,
    fingerprint,
    bundleLocation,
    device: first.device,
    concurrency,
    get processed() {
      return processed;
    },
    async close() {
      // A graceful close finishes the jobs in hand; against a Redis that is gone it would
      // wait forever, so it gets a while and then the connections are dropped.
      let closed = false;
      await withinMs(
        worker.close().then(() => {
          closed = true;
        }),
        10_000,
      );
      if (!closed) await withinMs(worker.disconnect(), 1000);
      await Promise.all(runtimes.map((r) => r.dispose()));
    },
  };
}
