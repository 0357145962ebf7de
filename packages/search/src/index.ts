export {
  type Candidate,
  candidateKey,
  type EarlyExitShape,
  type QuestionScore,
} from './candidate.js';
export { EngineEvaluator, type EngineEvaluatorOptions } from './engine-evaluator.js';
export type {
  CosineRequest,
  EvaluationDistribution,
  Evaluator,
  StageCosines,
} from './evaluator.js';
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
  type RankingTokens,
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
  type EvaluationStore,
  MemoryEvaluationStore,
  SharedEvaluations,
} from './shared-evaluations.js';
export {
  type BudgetMode,
  type CandidateResult,
  DEFAULT_EARLY_EXIT,
  type ProfileTemplate,
  type PruningMode,
  type SearchOptions,
  type SearchPhase,
  type SearchProgress,
  type SearchResult,
  searchProfile,
} from './stage-wise-search.js';
export {
  adaskipStyleStrategy,
  fullDepthStrategy,
  liteStageNoExitStrategy,
  liteStageStrategy,
  liteStageTunedStrategy,
  registerSearchStrategy,
  type SearchStrategy,
  type StrategyOptions,
  type StrategyResult,
  searchStrategies,
  staticLayersStrategy,
  uniformStrategy,
} from './strategies.js';
export { SEARCH_VERSION } from './version.js';
