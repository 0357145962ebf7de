import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  BUNDLE_MANIFEST_FILE,
  type ModelBundleManifest,
  manifestShape,
} from '../bundle-manifest.js';
import { openHuggingFaceCheckpoint } from '../checkpoint/hf-checkpoint.js';
import { openLlama2cCheckpoint } from '../checkpoint/llama2c-checkpoint.js';
import type { DecoderConfig, WeightSource } from '../decoder-config.js';
import {
  buildDecoderModel,
  fusedGraphProblem,
  GRAPH_FLAVOURS,
  type GraphFlavour,
} from '../graph/decoder-graph.js';
import {
  LM_HEAD_STORAGES,
  type LmHeadStorage,
  prepareWeights,
  type Quantization,
  type WeightDtype,
} from '../graph/prepared-weights.js';
import { INT4_BLOCK_SIZE, INT4_BLOCK_SIZES, type Int4BlockSize } from '../graph/quantize.js';
import { encodeModel } from '../onnx/onnx-model.js';
import { bundleFingerprint } from './bundle-fingerprint.js';
import { huggingFaceBundleName, llama2cBundleName } from './bundle-name.js';
import { ConversionError } from './conversion-error.js';
import { copyHuggingFaceTokenizer, copyLlama2cTokenizer } from './copy-tokenizer.js';
import { ExternalDataSink } from './external-data-sink.js';
import {
  checkOptimumOptions,
  type OptimumExport,
  OUTPUT_LAYOUTS,
  type OutputLayout,
  writeOptimumLayout,
} from './optimum-layout.js';
import { checkOutputFolder, createPartialFolder } from './output-folder.js';

export const MODEL_PACKAGE_VERSION = '0.0.0';

/**
 * The `accuracy_level` int4 bundles get unless another is asked for: int8 activations, which
 * onnxruntime's CPU kernels run with int8 dot products (`pnpm bench` times the levels).
 */
export const INT4_ACCURACY_LEVEL = 4;

export interface ConvertOptions {
  /** A Hugging Face checkpoint folder (`config.json` + safetensors) or a llama2.c `.bin`. */
  readonly input: string;
  /** The bundle folder to create; it must not exist, and its parent folder must. */
  readonly out: string;
  /**
   * `bundle` (the default): a LiteStage bundle. `optimum`: the plain fused graph and the
   * files transformers.js loads a causal LM from (`onnx/model.onnx`, `config.json`,
   * `generation_config.json`, the tokenizer), from a Hugging Face checkpoint, in fp32 or with
   * int8 / int4 weights.
   */
  readonly layout?: OutputLayout;
  /** Tokenizer file: llama2.c `tokenizer.bin` (required for `.bin` input) or a `tokenizer.json`. */
  readonly tokenizer?: string;
  readonly dtype?: WeightDtype;
  readonly quantization?: Quantization;
  /**
   * The graphs' ops: `fused` (onnxruntime contrib ops, runs on onnxruntime-node and
   * onnxruntime-web) or `standard` (standard ONNX ops, for runtimes without them). Unset:
   * fused where the model allows it (see `fusedGraphProblem`), standard otherwise. Both use
   * the same weights, so the fingerprint does not depend on it.
   */
  readonly graph?: GraphFlavour;
  /**
   * `MatMulNBits`' `accuracy_level` for int4 weights: 0 (the op's own default) to 4 (int8
   * activations: faster on CPUs with int8 dot products, slightly less exact). Default for
   * int4: `INT4_ACCURACY_LEVEL`.
   */
  readonly accuracyLevel?: number;
  /**
   * How the LM head is stored: `float` (the dtype's), `int8` (8-bit blocks of 32, int8
   * activations) or `int4` (as int4 weights are). Default: `int8` for int4 bundles, `float`
   * otherwise.
   */
  readonly lmHead?: LmHeadStorage;
  /**
   * Inputs per float32 scale of int4 weights (and an int4 LM head), one of
   * `INT4_BLOCK_SIZES`. Default `INT4_BLOCK_SIZE`.
   */
  readonly int4BlockSize?: number;
  /** Also build the plain graph (same weights, no gates) for benchmarks. Default true. */
  readonly plainGraph?: boolean;
  /** Build for the `propagate` KV policy. Default false. */
  readonly propagateKv?: boolean;
  /** Bundle name (default: the model's own, see `huggingFaceBundleName`). */
  readonly name?: string;
  readonly onProgress?: (message: string) => void;
  /**
   * Stops the conversion at the next tensor or file; it then rejects with the signal's
   * reason, having removed everything it wrote.
   */
  readonly signal?: AbortSignal;
}

/** A checkpoint opened for conversion, whatever its format. */
interface OpenedCheckpoint {
  readonly format: ModelBundleManifest['source']['format'];
  readonly config: DecoderConfig;
  readonly weights: WeightSource;
  readonly defaultName: string;
  /** The checkpoint's `config.json` text (Hugging Face checkpoints only). */
  readonly configJson: string | null;
}

const DATA_FILE = 'model.onnx.data';

/**
 * Converts a checkpoint into a bundle folder: `litestage.json`, `model.onnx` (gated, for
 * runs), `model.search.onnx` (gated, with the cosine outputs the search ranks by),
 * `model.plain.onnx` (optional), the shared `model.onnx.data`, and the tokenizer; or, with
 * `layout: 'optimum'`, into the layout transformers.js loads (see `writeOptimumLayout`). The
 * output folder is checked before any work; everything is written into a hidden folder beside
 * `out` and renamed into place at the end, so a failed or aborted conversion leaves nothing
 * behind.
 */
export function convertCheckpoint(
  options: ConvertOptions & { readonly layout: 'optimum' },
): Promise<OptimumExport>;
export function convertCheckpoint(
  options: ConvertOptions & { readonly layout?: 'bundle' },
): Promise<ModelBundleManifest>;
export function convertCheckpoint(
  options: ConvertOptions,
): Promise<ModelBundleManifest | OptimumExport>;
export async function convertCheckpoint(
  options: ConvertOptions,
): Promise<ModelBundleManifest | OptimumExport> {
  const { signal } = options;
  signal?.throwIfAborted();
  const out = resolve(options.out);
  await checkOutputFolder(out);
  const input = resolve(options.input);
  const info = await stat(input).catch(() => null);
  if (!info) throw new ConversionError(`${input}: no such file or folder`);
  checkGraphOptions(options);
  options = withQuantizationDefaults(options);
  const layout = options.layout ?? 'bundle';
  if (layout === 'optimum') {
    checkOptimumOptions(options);
    if (!info.isDirectory()) {
      throw new ConversionError(
        `${input}: the optimum layout is made from a Hugging Face checkpoint folder (transformers.js needs its config.json and tokenizer.json), not a llama2.c .bin`,
      );
    }
  }
  const progress = options.onProgress ?? (() => {});
  const tokenizerFile = options.tokenizer === undefined ? undefined : resolve(options.tokenizer);

  const partial = await createPartialFolder(out);
  let checkpoint: OpenedCheckpoint | undefined;
  try {
    checkpoint = await openCheckpoint(input, info.isDirectory());
    const { config } = checkpoint;
    const tokenizer =
      checkpoint.format === 'huggingface'
        ? await copyHuggingFaceTokenizer(input, tokenizerFile, partial, config)
        : await copyLlama2cTokenizer(input, tokenizerFile, partial, config);
    signal?.throwIfAborted();
    progress(
      `${checkpoint.format} checkpoint: ${config.numLayers} layers, hidden ${config.hiddenSize}, vocab ${config.vocabSize}`,
    );
    const written =
      layout === 'optimum'
        ? await writeOptimumLayout(
            {
              input,
              config,
              weights: checkpoint.weights,
              configJson: checkpoint.configJson ?? '{}',
              tokenizer,
            },
            partial,
            { ...options, producerVersion: MODEL_PACKAGE_VERSION },
          )
        : await writeBundle(checkpoint, input, tokenizer, partial, options);
    signal?.throwIfAborted();
    await rename(partial, out);
    progress(`wrote ${out}`);
    return written;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  } finally {
    await checkpoint?.weights.close();
  }
}

/**
 * Writes a LiteStage bundle into `folder`, which already holds the tokenizer: the weights, the
 * graphs, the manifest.
 */
async function writeBundle(
  checkpoint: OpenedCheckpoint,
  input: string,
  tokenizer: ModelBundleManifest['tokenizer'],
  folder: string,
  options: ConvertOptions,
): Promise<ModelBundleManifest> {
  const { config } = checkpoint;
  const progress = options.onProgress ?? (() => {});
  const flavour = chooseGraphFlavour(config, options.graph, progress);
  const sink = await ExternalDataSink.create(join(folder, DATA_FILE), DATA_FILE);
  let written: WrittenModel;
  try {
    written = await writeWeightsAndGraphs(checkpoint, sink, folder, flavour, options);
  } catch (error) {
    await sink.abort();
    throw error;
  }
  const manifest = bundleManifest(checkpoint, input, tokenizer, written, flavour, options);
  await writeFile(join(folder, BUNDLE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Graph options that cannot work together, refused before any work. */
function checkGraphOptions(options: ConvertOptions): void {
  if (options.layout !== undefined && !OUTPUT_LAYOUTS.includes(options.layout)) {
    throw new ConversionError(`unknown output layout "${options.layout}"`, {
      hint: `use one of: ${OUTPUT_LAYOUTS.join(', ')}`,
    });
  }
  const flavour = options.graph;
  if (flavour !== undefined && !GRAPH_FLAVOURS.includes(flavour)) {
    throw new ConversionError(`unknown graph flavour "${flavour}"`, {
      hint: `use one of: ${GRAPH_FLAVOURS.join(', ')}`,
    });
  }
  if (options.lmHead !== undefined && !LM_HEAD_STORAGES.includes(options.lmHead)) {
    throw new ConversionError(`unknown LM head storage "${options.lmHead}"`, {
      hint: `use one of: ${LM_HEAD_STORAGES.join(', ')}`,
    });
  }
  const int4 = options.quantization === 'int4' || options.lmHead === 'int4';
  const level = options.accuracyLevel;
  if (level !== undefined) {
    if (!Number.isInteger(level) || level < 0 || level > 4) {
      throw new ConversionError(`accuracy level ${level} is not one of 0, 1, 2, 3, 4`);
    }
    if (!int4) {
      throw new ConversionError('an accuracy level applies to int4 weights only', {
        hint: 'quantize to int4, or leave the accuracy level out',
      });
    }
  }
  const blockSize = options.int4BlockSize;
  if (blockSize !== undefined) {
    if (!(INT4_BLOCK_SIZES as readonly number[]).includes(blockSize)) {
      throw new ConversionError(
        `int4 block size ${blockSize} is not one of ${INT4_BLOCK_SIZES.join(', ')}`,
      );
    }
    if (!int4) {
      throw new ConversionError('a block size applies to int4 weights only', {
        hint: 'quantize to int4, or leave the block size out',
      });
    }
  }
}

/**
 * The defaults filled in where nothing was asked for: an 8-bit LM head for int4 bundles, and
 * wherever int4 weights are, the int4 accuracy level and block size.
 */
function withQuantizationDefaults(options: ConvertOptions): ConvertOptions {
  const lmHead = options.lmHead ?? (options.quantization === 'int4' ? 'int8' : 'float');
  if (options.quantization !== 'int4' && lmHead !== 'int4') return { ...options, lmHead };
  return {
    ...options,
    lmHead,
    accuracyLevel: options.accuracyLevel ?? INT4_ACCURACY_LEVEL,
    int4BlockSize: options.int4BlockSize ?? INT4_BLOCK_SIZE,
  };
}

/** The asked-for flavour, or fused where the model allows it; a fused graph it cannot have is refused. */
function chooseGraphFlavour(
  config: DecoderConfig,
  asked: GraphFlavour | undefined,
  progress: (message: string) => void,
): GraphFlavour {
  const problem = fusedGraphProblem(config);
  if (asked === 'standard') return 'standard';
  if (!problem) return 'fused';
  if (asked === 'fused') {
    throw new ConversionError(problem, { hint: 'convert with the standard graph flavour' });
  }
  progress(`standard graph: ${problem}`);
  return 'standard';
}

async function openCheckpoint(input: string, isFolder: boolean): Promise<OpenedCheckpoint> {
  if (isFolder) {
    const { config, weights, configJson } = await openHuggingFaceCheckpoint(input);
    return {
      format: 'huggingface',
      config,
      weights,
      defaultName: huggingFaceBundleName(configJson, config),
      configJson,
    };
  }
  const { config, weights } = await openLlama2cCheckpoint(input);
  return {
    format: 'llama2c',
    config,
    weights,
    defaultName: llama2cBundleName(input),
    configJson: null,
  };
}

interface WrittenModel {
  readonly graphs: ModelBundleManifest['graphs'];
  readonly fingerprint: string;
}

/** Streams the converted weights into the data file, then writes the graphs that use them. */
async function writeWeightsAndGraphs(
  checkpoint: OpenedCheckpoint,
  sink: ExternalDataSink,
  folder: string,
  flavour: GraphFlavour,
  options: ConvertOptions,
): Promise<WrittenModel> {
  const { config, weights } = checkpoint;
  const dtype = options.dtype ?? 'fp32';
  const quantization = options.quantization ?? 'none';
  const progress = options.onProgress ?? (() => {});
  const prepared = await prepareWeights(config, weights, sink, {
    dtype,
    quantization,
    lmHead: options.lmHead,
    int4BlockSize: options.int4BlockSize as Int4BlockSize | undefined,
    onTensor: (name, done, total) => progress(`[${done}/${total}] ${name}`),
    signal: options.signal,
  });
  const weightsHex = await sink.close();

  const propagateKv = Boolean(options.propagateKv);
  const writeGraph = async (file: string, gated: boolean, cosines = false) => {
    options.signal?.throwIfAborted();
    const model = buildDecoderModel(config, prepared, sink.initializers, {
      producerVersion: MODEL_PACKAGE_VERSION,
      flavour,
      accuracyLevel: options.accuracyLevel,
      propagateKv,
      gated,
      cosines,
    });
    await writeFile(join(folder, file), encodeModel(model));
    return { file, externalData: DATA_FILE };
  };
  const gated = await writeGraph('model.onnx', true);
  const search = await writeGraph('model.search.onnx', true, true);
  const plain = (options.plainGraph ?? true) ? await writeGraph('model.plain.onnx', false) : null;
  return {
    graphs: { gated, plain, search },
    fingerprint: bundleFingerprint({ config, dtype, quantization }, weightsHex),
  };
}

function bundleManifest(
  checkpoint: OpenedCheckpoint,
  input: string,
  tokenizer: ModelBundleManifest['tokenizer'],
  written: WrittenModel,
  flavour: GraphFlavour,
  options: ConvertOptions,
): ModelBundleManifest {
  const { config } = checkpoint;
  return {
    format: 'litestage-bundle',
    formatVersion: 3,
    name: options.name ?? checkpoint.defaultName,
    ...manifestShape(config),
    fingerprint: written.fingerprint,
    dtype: options.dtype ?? 'fp32',
    quantization: options.quantization ?? 'none',
    ...(options.accuracyLevel === undefined ? {} : { accuracyLevel: options.accuracyLevel }),
    ...(options.lmHead === undefined || options.lmHead === 'float'
      ? {}
      : { lmHead: options.lmHead }),
    ...(options.int4BlockSize === undefined ? {} : { int4BlockSize: options.int4BlockSize }),
    graphs: written.graphs,
    graphFlavour: flavour,
    propagateKv: Boolean(options.propagateKv),
    tokenizer,
    config,
    source: { format: checkpoint.format, name: basename(input) },
    createdBy: { name: '@litestage/model', version: MODEL_PACKAGE_VERSION },
  };
}
