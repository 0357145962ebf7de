export { FileCheckpointStore } from './file-checkpoint-store.js';
export {
  type SearchWorkerData,
  SearchWorkerError,
  WorkerPoolEvaluator,
  type WorkerPoolOptions,
} from './worker-pool-evaluator.js';
