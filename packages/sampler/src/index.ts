export {
  ConfidenceEarlyExit,
  type ConfidenceEarlyExitOptions,
  type ConfidenceKind,
  confidenceOf,
  EarlyExitCriteria,
} from './early-exit.js';
export {
  type LogitsProcessor,
  LogitsProcessorList,
  RepetitionPenaltyLogitsProcessor,
  TemperatureLogitsWarper,
  TopKLogitsWarper,
  TopPLogitsWarper,
} from './logits-processors.js';
export { SeededRandom } from './seeded-random.js';
export { argmax, logSumExp, maxSoftmaxProbability, softmax } from './softmax.js';
export {
  EosTokenCriteria,
  type GenerationState,
  MaxNewTokensCriteria,
  type StopDecision,
  type StoppingCriteria,
  StoppingCriteriaList,
  type StopReason,
  StopStringCriteria,
} from './stopping-criteria.js';
export { type SamplingOptions, TokenSampler } from './token-sampler.js';
