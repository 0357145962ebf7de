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

/**
 * Up to how many bytes of weights per decode token a backend runs full-depth steps on the
 * plain graph by default. Below it the gates are a large share of a step (13% on the demo
 * reasoner, 3% on a TinyLlama-shaped int4 model, in `pnpm bench`) and the plain graph's
 * own copy of the weights is cheap; above it the copy would cost more memory than the gates
 * cost time.
 */
export const PLAIN_AT_FULL_DEPTH_BELOW = 256 * 2 ** 20;

/** Whether a step that skips nothing runs the plain graph: `requested`, else by model size. */
export function plainAtFullDepth(
  requested: 'plain' | 'gated' | undefined,
  bytesPerToken: number | null,
): boolean {
  if (requested !== undefined) return requested === 'plain';
  return bytesPerToken !== null && bytesPerToken <= PLAIN_AT_FULL_DEPTH_BELOW;
}
