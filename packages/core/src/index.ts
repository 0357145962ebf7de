export type {
  Backend,
  BundleGraph,
  BundleManifest,
  BundleSource,
  LoadOptions,
  ModelSession,
  Sequence,
  SkipMask,
  StepRequest,
  StepResult,
} from './backend.js';
export {
  BackendResolutionError,
  listBackends,
  registerBackend,
  resolveBackend,
} from './backend-registry.js';
export {
  createEngine,
  type Engine,
  EngineConfigError,
  type EngineEvent,
  type EngineOptions,
  type EngineResult,
  type RunOptions,
  type StageResult,
} from './engine.js';
export { type FullDepthOptions, fullDepthProfile } from './full-depth-profile.js';
export {
  type AnswerParse,
  optionIndex,
  optionLabel,
  type Question,
  type StageSpec,
  type TaskFormat,
} from './task-format.js';
export type { Tokenizer, TokenStreamDecoder } from './tokenizer.js';
