import type { ModelBundleManifest } from './bundle-manifest.js';

/** An int4 weight as `MatMulNBits` reads it: half a byte, plus a float32 scale per block. */
const int4Bytes = (blockSize: number) => 0.5 + 4 / blockSize;
/** An 8-bit LM head weight: a byte, plus a float32 scale per 32. */
const INT8_BLOCK_BYTES = 1 + 4 / 32;
/**
 * Float weights as onnxruntime's CPU provider reads them at decode time: 4 bytes, also in
 * fp16 and int8 bundles, whose `Cast` / `DequantizeLinear` of initializers onnxruntime folds
 * into float32 constants when it creates the session (checked on 1.30 with the optimized
 * model written out). Only `MatMulNBits` keeps int4 weights packed.
 */
const FLOAT_BYTES = 4;

/** Weight bytes a full-depth decode token reads, by part. */
export interface DecodeWeightBytes {
  /** One layer's attention projections (Q, K, V, O). */
  readonly attention: number;
  /** One layer's feed-forward projections (gate, up, down). */
  readonly feedForward: number;
  readonly lmHead: number;
  /** Every layer's projections and the LM head. */
  readonly total: number;
}

/**
 * The bytes of weights one decode token reads at full depth, by part: every layer's
 * projections (Q, K, V, O, gate, up, down) and the LM head; the embedding contributes one
 * row and the norms a few vectors, left out. Skipping a sub-layer saves its part.
 */
export function decodeWeightBytes(
  manifest: Pick<
    ModelBundleManifest,
    'config' | 'quantization' | 'lmHead' | 'quantizeLmHead' | 'int4BlockSize'
  >,
): DecodeWeightBytes {
  const { config, quantization } = manifest;
  const { hiddenSize: d, intermediateSize: ffn, numHeads, numKvHeads, headDim } = config;
  const int4 = int4Bytes(manifest.int4BlockSize ?? 32);
  const projectionBytes = quantization === 'int4' ? int4 : FLOAT_BYTES;
  // Older bundles' `quantizeLmHead` quantized the head like the projections: packed in int4
  // bundles, a DequantizeLinear folded back to float32 in int8 ones.
  const head =
    manifest.lmHead ?? (manifest.quantizeLmHead && quantization === 'int4' ? 'int4' : 'float');
  const headBytes = head === 'int4' ? int4 : head === 'int8' ? INT8_BLOCK_BYTES : FLOAT_BYTES;
  const attention = d * headDim * (2 * numHeads + 2 * numKvHeads) * projectionBytes;
  const feedForward = 3 * d * ffn * projectionBytes;
  const lmHead = config.vocabSize * d * headBytes;
  return {
    attention,
    feedForward,
    lmHead,
    total: config.numLayers * (attention + feedForward) + lmHead,
  };
}

/**
 * The bytes of weights one decode token reads at full depth (`decodeWeightBytes`' total).
 * What decides whether more intra-op threads pay: below some size a step is kernel
 * dispatch, above it memory bandwidth.
 */
export function decodeBytesPerToken(
  manifest: Pick<
    ModelBundleManifest,
    'config' | 'quantization' | 'lmHead' | 'quantizeLmHead' | 'int4BlockSize'
  >,
): number {
  return decodeWeightBytes(manifest).total;
}
