export { parseOptionAnswer, TINYTHINKER_ANSWER_PATTERN } from './answer.js';
export { DatasetError, type DatasetLocation } from './datasets/dataset-error.js';
export {
  type LoadedDataset,
  type ParseDatasetOptions,
  parseDataset,
  REAL_DATASETS,
  type RealDatasetName,
  type SkippedItem,
} from './datasets/real-datasets.js';
export {
  CALIBRATION_PERCENT,
  type EvaluationSplit,
  type SelectOptions,
  selectQuestions,
  splitOfQuestion,
} from './datasets/select-questions.js';
export {
  type BaselineComparison,
  type ComparedMethod,
  type CompareEnginesOptions,
  type ComparisonProgress,
  compareEngines,
  type EngineComparison,
  EngineComparisonError,
  type MethodReport,
  outcomeOfResult,
} from './engine-comparison.js';
export { readTinyThinkerExemplars } from './formats/few-shot.js';
export {
  getTaskFormat,
  listTaskFormats,
  registerTaskFormat,
  SYNTHETIC_FORMAT_ID,
  TaskFormatError,
  type TaskFormatFactory,
} from './formats/format-registry.js';
export {
  createTinyThinkerFormat,
  type FewShotExample,
  renderTinyThinkerQuestion,
  TINYTHINKER_FORMAT_ID,
  type TinyThinkerOptions,
} from './formats/tinythinker-format.js';
export {
  type AccuracyReport,
  accuracyOf,
  comparePaired,
  type Interval,
  normalQuantile,
  type PairedComparison,
  pairedSpeedup,
  type QuestionOutcome,
  type RunSummary,
  type SpeedupEstimate,
  type StageSummary,
  summarizeRun,
  wilsonInterval,
} from './metrics.js';
export {
  parseQuestionRecords,
  type QuestionRecord,
  questionOfRecord,
  toQuestionRecord,
} from './question-record.js';
export {
  type GenerateOptions,
  generateSyntheticQuestions,
  type QuestionTemplate,
  SYNTHETIC_OPTION_COUNT,
  SYNTHETIC_SPLITS,
  type SyntheticQuestion,
  type SyntheticSplit,
  splitOfSyntheticKey,
  syntheticQuestionKey,
  worldFactSentences,
} from './synthetic/questions.js';
export {
  ACTIVE_TIMES,
  COLOURS,
  type Creature,
  createWorld,
  DEFAULT_CREATURE_COUNT,
  DEFAULT_WORLD_SEED,
  DIETS,
  HABITATS,
  LEG_COUNTS,
  SIZES,
  SYNTHETIC_WORLD_VERSION,
  type World,
  type WorldOptions,
} from './synthetic/world.js';
