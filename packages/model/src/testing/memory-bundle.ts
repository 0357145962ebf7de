import { BundleError, type ModelBundleManifest, manifestShape } from '../bundle-manifest.js';
import { bundleFingerprint, WeightsDigest } from '../convert/bundle-fingerprint.js';
import type { DecoderConfig, WeightSource } from '../decoder-config.js';
import { buildDecoderModel, type GraphFlavour } from '../graph/decoder-graph.js';
import {
  type LmHeadStorage,
  prepareWeights,
  type Quantization,
  type WeightDtype,
} from '../graph/prepared-weights.js';
import type { Int4BlockSize } from '../graph/quantize.js';
import { InlineTensorSink } from '../onnx/memory-sink.js';
import { encodeModel } from '../onnx/onnx-model.js';
import type { ModelBundle } from '../read-bundle.js';

export interface MemoryBundleOptions {
  readonly dtype?: WeightDtype;
  readonly quantization?: Quantization;
  readonly propagateKv?: boolean;
  /**
   * A separate search graph with the cosine outputs (format 2, the default); false builds
   * the version-1 layout, whose one gated graph has them.
   */
  readonly searchGraph?: boolean;
  /**
   * The graphs' ops (default `fused`). A version-1 layout (`searchGraph: false`) predates the
   * flavours and is always `standard`.
   */
  readonly graph?: GraphFlavour;
  /** `MatMulNBits`' `accuracy_level` (int4). */
  readonly accuracyLevel?: number;
  /** How to store the LM head (default float). */
  readonly lmHead?: LmHeadStorage;
  /** Inputs per scale of int4 weights. */
  readonly int4BlockSize?: Int4BlockSize;
}

/**
 * A bundle held in memory (weights inside the graphs), converted from `weights` without
 * touching disk. It has no tokenizer file. Its fingerprint is computed as conversion computes
 * one, over the tensors without the data file's alignment padding, so it tells weights apart
 * but differs from the same weights converted to disk.
 */
export async function memoryBundle(
  config: DecoderConfig,
  weights: WeightSource,
  options: MemoryBundleOptions = {},
): Promise<ModelBundle> {
  const dtype = options.dtype ?? 'fp32';
  const quantization = options.quantization ?? 'none';
  const sink = new InlineTensorSink();
  const searchGraph = options.searchGraph ?? true;
  const flavour = options.graph ?? (searchGraph ? 'fused' : 'standard');
  if (!searchGraph && flavour !== 'standard') {
    throw new BundleError('a version-1 bundle (no search graph) has standard graphs only');
  }
  const prepared = await prepareWeights(config, weights, sink, {
    dtype,
    quantization,
    lmHead: options.lmHead,
    int4BlockSize: options.int4BlockSize,
  });
  const digest = new WeightsDigest();
  for (const init of sink.initializers) {
    if (init.data.kind === 'inline') digest.update(init.data.bytes);
  }
  const common = {
    propagateKv: Boolean(options.propagateKv),
    flavour,
    accuracyLevel: options.accuracyLevel,
  };
  const gatedGraph = (cosines: boolean) =>
    encodeModel(
      buildDecoderModel(config, prepared, sink.initializers, { ...common, gated: true, cosines }),
    );
  const files = new Map<string, Uint8Array>([
    ['model.onnx', gatedGraph(!searchGraph)],
    ...(searchGraph ? [['model.search.onnx', gatedGraph(true)] as const] : []),
    [
      'model.plain.onnx',
      encodeModel(
        buildDecoderModel(config, prepared, sink.initializers, { ...common, gated: false }),
      ),
    ],
  ]);
  const manifest: ModelBundleManifest = {
    format: 'litestage-bundle',
    formatVersion: searchGraph ? 3 : 1,
    name: 'memory',
    ...manifestShape(config),
    fingerprint: bundleFingerprint({ config, dtype, quantization }, digest.hex()),
    dtype,
    quantization,
    graphs: {
      gated: { file: 'model.onnx', externalData: null },
      plain: { file: 'model.plain.onnx', externalData: null },
      ...(searchGraph ? { search: { file: 'model.search.onnx', externalData: null } } : {}),
    },
    ...(searchGraph ? { graphFlavour: flavour } : {}),
    propagateKv: Boolean(options.propagateKv),
    tokenizer: { kind: 'huggingface', file: 'tokenizer.json', configFile: null },
    config,
    source: { format: 'huggingface', name: 'memory' },
    createdBy: { name: 'test', version: '0' },
  };
  return {
    manifest,
    location: 'memory',
    readFile: async (name) => {
      const bytes = files.get(name);
      if (!bytes) throw new BundleError(`memory bundle has no ${name}`);
      return bytes;
    },
  };
}
