export {
  type Candidate,
  candidateKey,
  type EarlyExitShape,
  type QuestionScore,
} from './candidate.js';
export { EngineEvaluator, type EngineEvaluatorOptions } from './engine-evaluator.js';
export type { EvaluationDistribution, Evaluator, StageCosines } from './evaluator.js';
export {
  fitLatencyModel,
  type LatencyEstimator,
  type LatencyModel,
  measuredLatency,
  median,
  modelLatency,
} from './latency.js';
export { type MeasureOptions, measureLatencyModel } from './measure-latency.js';
export {
  angularMetric,
  blockInfluenceMetric,
  cosineMetric,
  type ImportanceMetric,
  importanceMetrics,
  type RankedSubLayer,
  type Ranking,
  type RankingOptions,
  rankSubLayers,
  type StageReduction,
  type SubLayerScores,
  type TokenReduction,
} from './ranking.js';
export {
  type CheckpointStore,
  checkSameInputs,
  MemoryCheckpointStore,
  type SearchCheckpoint,
  SearchCheckpointError,
  type SearchInputs,
  validateCheckpoint,
} from './search-checkpoint.js';
export {
  type CandidateResult,
  type ProfileTemplate,
  type PruningMode,
  type SearchOptions,
  type SearchPhase,
  type SearchProgress,
  type SearchResult,
  searchProfile,
} from './stage-wise-search.js';
export { SEARCH_VERSION } from './version.js';
