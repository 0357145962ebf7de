export { FileCheckpointStore } from './file-checkpoint-store.js';
export { FileEvaluationStore } from './file-evaluation-store.js';
export {
  type SearchWorkerData,
  SearchWorkerError,
  WorkerPoolEvaluator,
  type WorkerPoolOptions,
} from './worker-pool-evaluator.js';
