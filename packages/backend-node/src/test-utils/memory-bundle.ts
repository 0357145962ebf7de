import type { BundleSource } from '@litestage/core';
import {
  buildDecoderModel,
  type DecoderConfig,
  encodeModel,
  InlineTensorSink,
  type ModelBundleManifest,
  prepareWeights,
  type Quantization,
  type WeightDtype,
  type WeightSource,
} from '@litestage/model';

export interface MemoryBundleOptions {
  readonly dtype?: WeightDtype;
  readonly quantization?: Quantization;
  readonly propagateKv?: boolean;
}

/** A bundle held in memory (weights inside the graphs): converts `weights` without touching disk. */
export async function memoryBundle(
  config: DecoderConfig,
  weights: WeightSource,
  options: MemoryBundleOptions = {},
): Promise<BundleSource & { manifest: ModelBundleManifest }> {
  const sink = new InlineTensorSink();
  const prepared = await prepareWeights(config, weights, sink, {
    dtype: options.dtype ?? 'fp32',
    quantization: options.quantization ?? 'none',
  });
  const common = { propagateKv: Boolean(options.propagateKv) };
  const files = new Map<string, Uint8Array>([
    [
      'model.onnx',
      encodeModel(
        buildDecoderModel(config, prepared, sink.initializers, { ...common, gated: true }),
      ),
    ],
    [
      'model.plain.onnx',
      encodeModel(
        buildDecoderModel(config, prepared, sink.initializers, { ...common, gated: false }),
      ),
    ],
  ]);
  const manifest: ModelBundleManifest = {
    format: 'litestage-bundle',
    formatVersion: 1,
    name: 'memory',
    architecture: config.architecture,
    numLayers: config.numLayers,
    numKvHeads: config.numKvHeads,
    headDim: config.headDim,
    vocabSize: config.vocabSize,
    maxPositions: config.maxPositionEmbeddings,
    fingerprint: `sha256:${'0'.repeat(64)}`,
    dtype: options.dtype ?? 'fp32',
    quantization: options.quantization ?? 'none',
    graphs: {
      gated: { file: 'model.onnx', externalData: null },
      plain: { file: 'model.plain.onnx', externalData: null },
    },
    propagateKv: Boolean(options.propagateKv),
    tokenizer: { kind: 'huggingface', file: 'tokenizer.json', configFile: null },
    bosTokenId: config.bosTokenId,
    eosTokenIds: config.eosTokenIds,
    config,
    source: { format: 'huggingface', name: 'memory' },
    createdBy: { name: 'test', version: '0' },
  };
  return {
    manifest,
    location: 'memory',
    readFile: async (name) => {
      const bytes = files.get(name);
      if (!bytes) throw new Error(`memory bundle has no ${name}`);
      return bytes;
    },
  };
}

/** A small Llama config with overrides. */
export function tinyConfig(overrides: Partial<DecoderConfig> = {}): DecoderConfig {
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
