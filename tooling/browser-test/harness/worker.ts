// The harness in a dedicated Worker: the same jobs, with no DOM at all.
import type { HarnessJob } from './jobs.js';
import { runJob } from './run-job.js';

globalThis.addEventListener('message', (event: MessageEvent<HarnessJob>) => {
  runJob(event.data).then(
    (answer) => globalThis.postMessage({ answer }),
    (error: unknown) =>
      globalThis.postMessage({
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }),
  );
});
