// A worker thread of `litestage search --workers N`: loads its own session and evaluates
// the (candidate, question) pairs the parent sends it.
import { parentPort, workerData } from 'node:worker_threads';
import { nodeBackend } from '@litestage/backend-node';
import { fullDepthProfile } from '@litestage/core';
import { loadBundleTokenizer } from '@litestage/model';
import { openBundle } from '@litestage/model/node';
import { type Candidate, EngineEvaluator } from '@litestage/search';
import { getTaskFormat, questionOfRecord } from '@litestage/tasks';
import { loadQuestionRecords } from '@litestage/tasks/node';
import type { SearchWorkerData, WorkerReply, WorkerRequest } from './search-worker-pool.js';

const data = workerData as SearchWorkerData;
const port = parentPort;
if (!port) throw new Error('search-worker.js runs as a worker thread');

const ready = (async () => {
  const bundle = await openBundle(data.bundle);
  const format = getTaskFormat(data.task);
  const questions = (await loadQuestionRecords(data.calib))
    .slice(0, data.limit ?? Number.POSITIVE_INFINITY)
    .map(questionOfRecord);
  const session = await nodeBackend.load(bundle, { threads: 1 });
  return new EngineEvaluator({
    session,
    tokenizer: await loadBundleTokenizer(bundle),
    format,
    baseProfile: fullDepthProfile(bundle.manifest, format, { kvPolicy: data.kvPolicy }),
    questions,
    earlyExit: data.earlyExit,
  });
})();

port.on('message', async (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    const evaluator = await ready;
    const score = await evaluator.evaluate(
      request.candidate as Candidate,
      request.skip,
      request.questionId,
    );
    reply = { id: request.id, score };
  } catch (error) {
    reply = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
