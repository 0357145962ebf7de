// A `litestage worker` in a process of its own, for tests that kill one:
//   node worker-child.mjs <redis url> <queue> <bundle> <name> <stalledAfterMs>
// Prints "ready" once it listens, then "done <n>" after each job.
import { startQueueWorker } from '../../dist/index.js';

const [url, queueName, bundle, name, stalledAfterMs] = process.argv.slice(2);
const worker = await startQueueWorker({
  url,
  queueName,
  bundle,
  name,
  stalledAfterMs: Number(stalledAfterMs),
  onEvent: (event) => {
    if (event.type === 'completed') process.stdout.write(`done ${event.processed}\n`);
  },
});
process.stdout.write(`ready ${worker.name}\n`);
