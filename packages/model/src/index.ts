// Browser-safe: nothing here (or below it) may import Node modules; the package builds this
// entry with the browser tsconfig, which has no Node types, so such an import fails the build.

export { bundleFromFiles } from './bundle-from-files.js';
export { type BundleFromUrlOptions, bundleFromUrl } from './bundle-from-url.js';
export {
  BUNDLE_MANIFEST_FILE,
  BundleError,
  bundleManifestSchema,
  type ModelBundleManifest,
  parseBundleManifest,
} from './bundle-manifest.js';
export { loadBundleTokenizer } from './bundle-tokenizer.js';
export {
  type DecodeWeightBytes,
  decodeBytesPerToken,
  decodeWeightBytes,
} from './decode-bytes-per-token.js';
export type { DecoderConfig, RopeScaling } from './decoder-config.js';
export { encodeModel, type OnnxModel } from './onnx/onnx-model.js';
export { type BundleFiles, type ModelBundle, readBundle } from './read-bundle.js';
export {
  HuggingFaceTokenizer,
  type HuggingFaceTokenizerOptions,
} from './tokenizers/hf-tokenizer.js';
export { Llama2cTokenizer, type Llama2cTokenizerOptions } from './tokenizers/llama2c-tokenizer.js';
export { TokenizerError } from './tokenizers/tokenizer-error.js';
