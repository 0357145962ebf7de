export type {
  Backend,
  BundleGraph,
  BundleManifest,
  BundleSource,
  FullDepthGraph,
  KvCacheMode,
  LoadOptions,
  ModelSession,
  Sequence,
  SkipMask,
  StepRequest,
  StepResult,
} from './backend.js';
export {
  type BackendFailure,
  BackendResolutionError,
  listBackends,
  type ResolvedBackend,
  registerBackend,
  resolveBackend,
} from './backend-registry.js';
export {
  createEngine,
  type Engine,
  type EngineEvent,
  type EngineOptions,
  type EngineResult,
  type RunOptions,
  type StageResult,
} from './engine.js';
export { EngineConfigError } from './engine-config-error.js';
export { type FullDepthOptions, fullDepthProfile } from './full-depth-profile.js';
export {
  type GenerateOptions,
  type GenerationResult,
  generate,
  type SubLayerCosines,
} from './generate.js';
export {
  checkKvPolicy,
  defaultKvPolicy,
  KV_POLICIES,
  KV_POLICY_MEANINGS,
  type KvPolicy,
} from './kv-policy.js';
export {
  type AnswerParse,
  optionIndex,
  optionLabel,
  type Question,
  type StageSpec,
  type TaskFormat,
} from './task-format.js';
export { TextStreamer, type TextStreamerOptions } from './text-streamer.js';
export type { Tokenizer } from './tokenizer.js';
