export {
  BUNDLE_MANIFEST_FILE,
  BundleError,
  bundleManifestSchema,
  type ModelBundleManifest,
  parseBundleManifest,
} from './bundle-manifest.js';
export { loadBundleTokenizer } from './bundle-tokenizer.js';
export {
  type DecoderConfig,
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
  type RopeScaling,
  type StoredDtype,
  type WeightSource,
} from './decoder-config.js';
export {
  buildDecoderGraph,
  buildDecoderModel,
  type DecoderGraphOptions,
} from './graph/decoder-graph.js';
export {
  type LayerWeights,
  type PreparedWeights,
  type PrepareOptions,
  type ProjectionWeight,
  prepareWeights,
  type Quantization,
  type TensorSink,
  type WeightDtype,
} from './graph/prepared-weights.js';
export {
  dequantizeInt4,
  dequantizeInt8,
  INT4_BLOCK_SIZE,
  type Int4Weight,
  type Int8Weight,
  quantizeInt4,
  quantizeInt8,
} from './graph/quantize.js';
export { interleavedToHalfRows, ropeInverseFrequencies, ropeTables } from './graph/rope.js';
export { InlineTensorSink } from './onnx/memory-sink.js';
export { encodeModel, type OnnxModel } from './onnx/onnx-model.js';
export { createRandomWeights, MemoryWeightSource } from './random-weights.js';
export {
  noSkips,
  ReferenceCache,
  ReferenceModel,
  type ReferenceStep,
  type SkipFlags,
} from './reference-forward.js';
export { HuggingFaceTokenizer } from './tokenizers/hf-tokenizer.js';
export { Llama2cTokenizer } from './tokenizers/llama2c-tokenizer.js';
