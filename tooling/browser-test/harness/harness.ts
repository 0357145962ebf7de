// The page the browser suite drives: `globalThis.litestageHarness` runs jobs on the page or in
// a Worker and answers plain data (see jobs.ts).
import type { Harness, HarnessAnswer, HarnessJob } from './jobs.js';
import { runJob } from './run-job.js';

function runInWorker<J extends HarnessJob>(job: J): Promise<HarnessAnswer<J>> {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  return new Promise<HarnessAnswer<J>>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent) => {
      const { answer, error } = event.data as { answer?: HarnessAnswer<J>; error?: string };
      if (error === undefined) resolve(answer as HarnessAnswer<J>);
      else reject(new Error(error));
    });
    worker.addEventListener('error', (event) => reject(new Error(event.message)));
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

const harness: Harness = { run: runJob, runInWorker };
(globalThis as { litestageHarness?: Harness }).litestageHarness = harness;
document.title = 'litestage harness ready';
