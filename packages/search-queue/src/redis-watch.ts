import type { Job, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QueueConnectionError } from './errors.js';
import type { RedisAddress } from './redis-url.js';

const PING_EVERY_MS = 1000;
const JOB_CHECK_EVERY_MS = 2000;

/**
 * Keeps an eye on Redis for a coordinator: a connection of its own that pings it, so a Redis
 * that went away stops the search with one clear error instead of a wait that never ends
 * (BullMQ's own connections retry forever). `guard` races a promise against that failure.
 */
export class RedisWatch {
  lost = false;
  private lastOk = Date.now();
  private lastError = '';
  private readonly failure: Promise<never>;
  private fail!: (error: Error) => void;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly client: Redis,
    private readonly address: RedisAddress,
    private readonly unreachableAfterMs: number,
  ) {
    this.failure = new Promise<never>((_, reject) => {
      this.fail = (error) => {
        this.lost = true;
        reject(error);
      };
    });
    this.failure.catch(() => {});
    client.on('error', (error: Error) => {
      this.lastError = error.message;
    });
    this.timer = setInterval(() => void this.ping(), PING_EVERY_MS);
    this.timer.unref();
  }

  /** Connects, or throws a `QueueConnectionError` naming the address and the cause. */
  static async open(address: RedisAddress, unreachableAfterMs: number): Promise<RedisWatch> {
    const client = new Redis(address.url, {
      lazyConnect: true,
      connectTimeout: 3000,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    let lastError = '';
    client.on('error', (error: Error) => {
      lastError = error.message;
    });
    try {
      await client.connect();
      await client.ping();
    } catch (error) {
      client.disconnect();
      const cause = lastError || (error instanceof Error ? error.message : String(error));
      throw new QueueConnectionError(`cannot reach Redis at ${address.display}: ${cause}`, {
        hint: 'start redis-server there (or correct --queue); nothing was queued',
      });
    }
    // From now on, reconnect after a drop: a short outage is survived, a long one reported.
    client.options.retryStrategy = () => 500;
    return new RedisWatch(client, address, unreachableAfterMs);
  }

  private async ping(): Promise<void> {
    if (this.lost) return;
    try {
      await this.client.ping();
      this.lastOk = Date.now();
    } catch (error) {
      if (!this.lastError) this.lastError = error instanceof Error ? error.message : String(error);
      const gone = Date.now() - this.lastOk;
      if (gone > this.unreachableAfterMs) {
        this.fail(
          new QueueConnectionError(
            `lost Redis at ${this.address.display}: unreachable for ${Math.round(gone / 1000)} s (${this.lastError})`,
          ),
        );
      }
    }
  }

  /** Resolves as `promise` does, or rejects once Redis is lost. */
  guard<T>(promise: Promise<T>): Promise<T> {
    promise.catch(() => {});
    return Promise.race([promise, this.failure]);
  }

  /**
   * Checks now and then that `jobs` still exist: a Redis restarted without its data (or
   * flushed) loses them, and no completion event would ever come. Returns the stop function.
   */
  watchJobs(queue: Queue, jobs: readonly Job[]): () => void {
    const timer = setInterval(async () => {
      if (this.lost) return;
      try {
        const states = await Promise.all(jobs.map((job) => queue.getJobState(job.id as string)));
        if (states.includes('unknown')) {
          this.fail(
            new QueueConnectionError(
              `Redis at ${this.address.display} lost this search's jobs (restarted without its data, or flushed)`,
            ),
          );
        }
      } catch {
        // Unreachable: the pings report it.
      }
    }, JOB_CHECK_EVERY_MS);
    timer.unref();
    return () => clearInterval(timer);
  }

  close(): void {
    clearInterval(this.timer);
    this.client.disconnect();
  }
}
