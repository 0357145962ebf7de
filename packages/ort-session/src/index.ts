// Browser-safe (built with the browser tsconfig, which has no Node types): the backends pass
// in the onnxruntime namespace they imported, so nothing here imports a runtime.
export {
  bundleSessionOptions,
  PLAIN_AT_FULL_DEPTH_BELOW,
  plainAtFullDepth,
} from './bundle-session-options.js';
export { IN_PLACE_FROM } from './in-place-sequence.js';
export {
  inPlaceCacheRefusal,
  type OrtModelSessionOptions,
  openOrtModelSession,
} from './ort-model-session.js';
export type {
  OrtInferenceSession,
  OrtNamespace,
  OrtSessionOptions,
  OrtTensor,
} from './ort-namespace.js';
