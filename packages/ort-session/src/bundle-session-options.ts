import type { BundleManifest } from '@litestage/core';
import type { OrtSessionOptions } from './ort-namespace.js';

/**
 * The session options a bundle needs on every runtime, whatever the backend adds (threads,
 * spinning): full graph optimization, and for int8 bundles no QDQ rewrite (onnxruntime's
 * DequantizeLinear -> MatMul fusion looks for the weight in the `If` branch itself and fails
 * on outer-scope weights, so int8 bundles run the plain ops).
 */
export function bundleSessionOptions(
  manifest: Pick<BundleManifest, 'quantization'>,
  executionProvider: string,
): OrtSessionOptions & { extra: { session: Record<string, unknown> } } {
  return {
    executionProviders: [executionProvider],
    graphOptimizationLevel: 'all',
    extra: { session: manifest.quantization === 'int8' ? { disable_quant_qdq: '1' } : {} },
  };
}
