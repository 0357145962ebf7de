import type { InferenceSession, Tensor } from 'onnxruntime-common';

/**
 * What the shared session logic needs from an onnxruntime package: `onnxruntime-node` and
 * `onnxruntime-web` both export these (each built on `onnxruntime-common`), so the same code
 * runs on either, given the namespace the backend imported.
 */
export interface OrtNamespace {
  readonly Tensor: typeof Tensor;
  readonly InferenceSession: typeof InferenceSession;
}

export type OrtTensor = Tensor;
export type OrtInferenceSession = InferenceSession;
export type OrtSessionOptions = InferenceSession.SessionOptions;
