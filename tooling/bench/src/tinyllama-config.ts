import type { DecoderConfig } from '@litestage/model';

/** TinyLlama-1.1B's exact configuration (random weights are made for it by the benches). */
export const TINYLLAMA_CONFIG: DecoderConfig = {
  architecture: 'llama',
  vocabSize: 32000,
  hiddenSize: 2048,
  intermediateSize: 5632,
  numLayers: 22,
  numHeads: 32,
  numKvHeads: 4,
  headDim: 64,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  ropeStyle: 'half',
  maxPositionEmbeddings: 2048,
  tieWordEmbeddings: false,
  attentionBias: false,
  bosTokenId: 1,
  eosTokenIds: [2],
};
