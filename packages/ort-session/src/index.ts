// Browser-safe (built with the browser tsconfig, which has no Node types): the backends pass
// in the onnxruntime namespace they imported, so nothing here imports a runtime.
export { bundleSessionOptions } from './bundle-session-options.js';
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
