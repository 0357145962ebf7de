export {
  huggingFaceConfigJson,
  type WriteCheckpointOptions,
  writeHuggingFaceCheckpoint,
} from '../checkpoint/hf-checkpoint-writer.js';
export { type SafetensorsTensorInput, writeSafetensors } from '../checkpoint/safetensors.js';
export { effectiveWeights } from './effective-weights.js';
export { buildLlama2cTokenizerBin, type Llama2cPiece } from './llama2c-tokenizer-bin.js';
export { type MemoryBundleOptions, memoryBundle } from './memory-bundle.js';
export { createRandomWeights, MemoryWeightSource } from './random-weights.js';
export {
  noSkips,
  ReferenceCache,
  ReferenceModel,
  type ReferenceStep,
  type SkipFlags,
} from './reference-forward.js';
export { type Llama2cShape, tinyLlama2cFile } from './tiny-checkpoints.js';
export { tinyDecoderConfig } from './tiny-decoder-config.js';
export {
  type TinyHfTokenizer,
  tinyByteLevelBpe,
  tinySentencePieceBpe,
} from './tiny-hf-tokenizers.js';
