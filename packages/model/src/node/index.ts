export { CheckpointError } from '../checkpoint/checkpoint-error.js';
export {
  type HuggingFaceCheckpoint,
  openHuggingFaceCheckpoint,
} from '../checkpoint/hf-checkpoint.js';
export {
  huggingFaceConfigJson,
  type WriteCheckpointOptions,
  writeHuggingFaceCheckpoint,
} from '../checkpoint/hf-checkpoint-writer.js';
export { openLlama2cCheckpoint } from '../checkpoint/llama2c-checkpoint.js';
export { openSafetensors, writeSafetensors } from '../checkpoint/safetensors.js';
export { type LocalBundle, openBundle } from './bundle-files.js';
export { ConversionError, type ConvertOptions, convertCheckpoint } from './convert.js';
export { ExternalDataSink } from './external-data-sink.js';
