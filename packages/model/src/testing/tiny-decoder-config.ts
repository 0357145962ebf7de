import type { DecoderConfig } from '../decoder-config.js';

/** A small Llama config (3 layers, hidden 32, GQA 4/2) with overrides. */
export function tinyDecoderConfig(overrides: Partial<DecoderConfig> = {}): DecoderConfig {
  return {
    architecture: 'llama',
    vocabSize: 61,
    hiddenSize: 32,
    intermediateSize: 48,
    numLayers: 3,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 8,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    ropeScaling: null,
    ropeStyle: 'half',
    maxPositionEmbeddings: 64,
    tieWordEmbeddings: false,
    attentionBias: false,
    bosTokenId: 1,
    eosTokenIds: [2],
    ...overrides,
  };
}
