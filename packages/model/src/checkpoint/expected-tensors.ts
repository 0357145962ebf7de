import {
  type DecoderConfig,
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
} from '../decoder-config.js';

/**
 * Every tensor a checkpoint must hold for `config`, with its shape, under Hugging Face Llama
 * names, in the order a decoder uses them. Matrices are [out, in] like PyTorch Linear weights.
 * `lm_head.weight` is listed only when embeddings are not tied.
 */
export function expectedTensorShapes(config: DecoderConfig): Map<string, readonly number[]> {
  const hidden = config.hiddenSize;
  const qSize = config.numHeads * config.headDim;
  const kvSize = config.numKvHeads * config.headDim;
  const shapes = new Map<string, readonly number[]>();
  shapes.set(EMBED_TOKENS, [config.vocabSize, hidden]);
  for (let layer = 0; layer < config.numLayers; layer++) {
    const names = layerTensorNames(layer);
    shapes.set(names.inputNorm, [hidden]);
    shapes.set(names.q, [qSize, hidden]);
    shapes.set(names.k, [kvSize, hidden]);
    shapes.set(names.v, [kvSize, hidden]);
    if (config.attentionBias) {
      shapes.set(names.qBias, [qSize]);
      shapes.set(names.kBias, [kvSize]);
      shapes.set(names.vBias, [kvSize]);
    }
    shapes.set(names.o, [hidden, qSize]);
    shapes.set(names.postNorm, [hidden]);
    shapes.set(names.gate, [config.intermediateSize, hidden]);
    shapes.set(names.up, [config.intermediateSize, hidden]);
    shapes.set(names.down, [hidden, config.intermediateSize]);
  }
  shapes.set(FINAL_NORM, [hidden]);
  if (!config.tieWordEmbeddings) shapes.set(LM_HEAD, [config.vocabSize, hidden]);
  return shapes;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}
