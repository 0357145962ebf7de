export { QueueConnectionError, QueueJobError, QueueOptionError } from './errors.js';
export {
  DEFAULT_QUEUE_NAME,
  type EvaluationJob,
  type EvaluationReply,
  type EvaluationSetup,
  jobIdOf,
  searchIdOf,
} from './evaluation-job.js';
export { QueueEvaluator, type QueueEvaluatorOptions } from './queue-evaluator.js';
export {
  type QueueWorker,
  type QueueWorkerEvent,
  type QueueWorkerOptions,
  startQueueWorker,
} from './queue-worker.js';
export { parseRedisUrl, type RedisAddress } from './redis-url.js';
