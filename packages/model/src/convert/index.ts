export { CheckpointError } from '../checkpoint/checkpoint-error.js';
export {
  type HuggingFaceCheckpoint,
  openHuggingFaceCheckpoint,
} from '../checkpoint/hf-checkpoint.js';
export { type Llama2cCheckpoint, openLlama2cCheckpoint } from '../checkpoint/llama2c-checkpoint.js';
export { openSafetensors, type SafetensorsFile } from '../checkpoint/safetensors.js';
export {
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
  type StoredDtype,
  type WeightSource,
} from '../decoder-config.js';
export {
  buildDecoderGraph,
  buildDecoderModel,
  type DecoderGraphOptions,
  fusedGraphProblem,
  GRAPH_FLAVOURS,
  type GraphFlavour,
  GraphFlavourError,
} from '../graph/decoder-graph.js';
export {
  type LayerWeights,
  LM_HEAD_STORAGES,
  type LmHeadStorage,
  type PreparedWeights,
  type PrepareOptions,
  type ProjectionWeight,
  prepareWeights,
  type Quantization,
  type TensorSink,
  type WeightDtype,
} from '../graph/prepared-weights.js';
export {
  dequantizeInt4,
  dequantizeInt8,
  dequantizeInt8Blocks,
  INT4_BLOCK_SIZE,
  INT4_BLOCK_SIZES,
  type Int4BlockSize,
  type Int4Weight,
  type Int8BlockWeight,
  type Int8Weight,
  quantizeInt4,
  quantizeInt8,
  quantizeInt8Blocks,
} from '../graph/quantize.js';
export { interleavedToHalfRows, ropeInverseFrequencies, ropeTables } from '../graph/rope.js';
export { InlineTensorSink } from '../onnx/memory-sink.js';
export { encodeModel, type OnnxModel } from '../onnx/onnx-model.js';
export { ConversionError } from './conversion-error.js';
export {
  type ConvertOptions,
  convertCheckpoint,
  INT4_ACCURACY_LEVEL,
} from './convert-checkpoint.js';
export { ExternalDataSink } from './external-data-sink.js';
export {
  type OptimumExport,
  OUTPUT_LAYOUTS,
  type OutputLayout,
  type TransformersDtype,
} from './optimum-layout.js';
