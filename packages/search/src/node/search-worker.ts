// A worker thread of `WorkerPoolEvaluator`: opens its own runtime and evaluates the
// (candidate, question) pairs the parent sends it.
import { parentPort, workerData } from 'node:worker_threads';
import { openRuntime } from '@litestage/runtime';
import { EngineEvaluator } from '../engine-evaluator.js';
import type { SearchWorkerData, WorkerReply, WorkerRequest } from './worker-pool-evaluator.js';

const data = workerData as SearchWorkerData;
const port = parentPort;
if (!port) throw new Error('search-worker.js runs as a worker thread');

const ready = (async () => {
  const runtime = await openRuntime({
    bundle: data.bundle,
    task: data.task,
    threads: data.threads ?? 1,
    device: data.device ?? 'cpu',
  });
  return new EngineEvaluator({
    session: runtime.session,
    tokenizer: runtime.tokenizer,
    format: runtime.format,
    baseProfile: data.baseProfile,
    questions: data.questions,
    earlyExit: data.earlyExit,
  });
})();
// A failed start is answered request by request; this keeps it from crashing the thread first.
ready.catch(() => {});

port.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const evaluator = await ready;
    const score = await evaluator.evaluate(request.candidate, request.skip, request.questionId);
    reply = { id: request.id, score };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
