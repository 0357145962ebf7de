import type { Device } from '@litestage/runtime';
import {
  DEFAULT_QUEUE_NAME,
  type QueueWorkerEvent,
  startQueueWorker,
} from '@litestage/search-queue';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import { interruptSignal } from '../interrupt-signal.js';
import type { CommandModule } from './command-module.js';
import { BUNDLE_OPTION_HELP, bundleOrDemo, THREADS_OPTION_HELP } from './default-bundle.js';
import { DEVICE_OPTION } from './device-option.js';
import { nonNegativeInteger, positiveInteger } from './option-parsers.js';

interface WorkerFlags {
  queue: string;
  queueName?: string;
  bundle?: string;
  device: Device;
  threads?: number;
  concurrency: number;
  name?: string;
  stalledAfter: number;
}

/** Least time between two progress lines (ms): a worker runs for hours. */
const PROGRESS_EVERY_MS = 10_000;

export const workerCommand: CommandModule = {
  name: 'worker',
  register(program: Command, io: CliIo) {
    program
      .command('worker')
      .description(
        'answer the evaluation jobs of `litestage search --queue` from Redis, on this machine, until Ctrl-C',
      )
      .requiredOption(
        '--queue <redis-url>',
        'the Redis the search uses: redis://host:port[/db] (required)',
      )
      .option('--queue-name <name>', `the BullMQ queue (default: ${DEFAULT_QUEUE_NAME})`)
      .option('--bundle <dir>', BUNDLE_OPTION_HELP)
      .option(DEVICE_OPTION.flags, DEVICE_OPTION.help, DEVICE_OPTION.parse, DEVICE_OPTION.default)
      .option('--threads <n>', `${THREADS_OPTION_HELP}; default 1 per job`, nonNegativeInteger)
      .option(
        '--concurrency <n>',
        'jobs at once, each on its own copy of the model',
        positiveInteger,
        1,
      )
      .option('--name <name>', 'the name answers are reported under (default: host:pid)')
      .option(
        '--stalled-after <seconds>',
        "how long a job may go without this worker's heartbeat before another worker takes it",
        positiveInteger,
        30,
      )
      .action(async (flags: WorkerFlags) => {
        const interrupt = interruptSignal(io);
        let lastLine = 0;
        let lastConnectionError = 0;
        const onEvent = (event: QueueWorkerEvent) => {
          const now = Date.now();
          if (event.type === 'completed') {
            if (now - lastLine < PROGRESS_EVERY_MS) return;
            lastLine = now;
            io.stderr(`litestage worker: ${event.processed} questions answered\n`);
          } else if (event.type === 'failed') {
            io.stderr(
              `litestage worker: a job of search ${event.searchId} failed: ${event.reason}\n`,
            );
          } else if (now - lastConnectionError >= PROGRESS_EVERY_MS) {
            lastConnectionError = now;
            io.stderr(`litestage worker: Redis: ${event.message} (retrying)\n`);
          }
        };
        const worker = await startQueueWorker({
          url: flags.queue,
          ...(flags.queueName === undefined ? {} : { queueName: flags.queueName }),
          bundle: await bundleOrDemo(flags.bundle),
          device: flags.device,
          ...(flags.threads === undefined ? {} : { threads: flags.threads }),
          concurrency: flags.concurrency,
          ...(flags.name === undefined ? {} : { name: flags.name }),
          stalledAfterMs: flags.stalledAfter * 1000,
          onEvent,
        });
        io.stderr(
          `litestage worker ${worker.name}: ${worker.bundleLocation} (${worker.fingerprint}) on ${worker.device}, ${worker.concurrency} at once; waiting for jobs on ${flags.queue} (queue ${flags.queueName ?? DEFAULT_QUEUE_NAME}); Ctrl-C stops after the jobs in hand\n`,
        );
        try {
          await new Promise<void>((resolve) => {
            if (interrupt.signal.aborted) resolve();
            interrupt.signal.addEventListener('abort', () => resolve(), { once: true });
          });
        } finally {
          interrupt.release();
          await worker.close();
        }
        io.stdout(`${worker.name}: stopped after ${worker.processed} questions answered\n`);
      });
  },
};
