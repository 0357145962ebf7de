import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelBundleManifest } from '../bundle-manifest.js';
import type { DecoderConfig, WeightSource } from '../decoder-config.js';
import { fusedGraphProblem } from '../graph/decoder-graph.js';
import { buildOptimumDecoderModel } from '../graph/optimum-decoder-graph.js';
import {
  type LmHeadStorage,
  prepareWeights,
  type Quantization,
} from '../graph/prepared-weights.js';
import type { Int4BlockSize } from '../graph/quantize.js';
import { encodeModel } from '../onnx/onnx-model.js';
import { ConversionError } from './conversion-error.js';
import { ExternalDataSink } from './external-data-sink.js';

/**
 * What `convertCheckpoint` writes: a LiteStage bundle (`bundle`, the default), or the folder
 * layout transformers.js loads a causal LM from (`optimum`, the layout Optimum exports).
 */
export type OutputLayout = 'bundle' | 'optimum';

export const OUTPUT_LAYOUTS: readonly OutputLayout[] = ['bundle', 'optimum'];

/** transformers.js's name for the weights' dtype, which picks the graph file it loads. */
export type TransformersDtype = 'fp32' | 'int8' | 'q4';

const TRANSFORMERS_DTYPE: Record<Quantization, TransformersDtype> = {
  none: 'fp32',
  int8: 'int8',
  int4: 'q4',
};

/** transformers.js's file name suffix for each dtype (`model_q4.onnx`). */
const FILE_SUFFIX: Record<TransformersDtype, string> = { fp32: '', int8: '_int8', q4: '_q4' };

/** What a conversion to the optimum layout wrote. */
export interface OptimumExport {
  readonly layout: 'optimum';
  /** The checkpoint's `model_type` (`llama`, `qwen2`, `mistral`), kept in `config.json`. */
  readonly modelType: string;
  readonly numLayers: number;
  readonly dtype: 'fp32';
  readonly quantization: Quantization;
  /** The dtype to load it with in transformers.js; also `config.json`'s default. */
  readonly transformersDtype: TransformersDtype;
  /** The graph, relative to the folder: `onnx/model.onnx`, `onnx/model_q4.onnx`, ... */
  readonly modelFile: string;
  /** Every file written, relative to the folder, sorted. */
  readonly files: readonly string[];
}

/** The options of an optimum-layout conversion, as `convertCheckpoint` takes them. */
export interface OptimumLayoutOptions {
  readonly dtype?: string;
  readonly quantization?: Quantization;
  readonly graph?: string;
  readonly propagateKv?: boolean;
  readonly accuracyLevel?: number;
  readonly lmHead?: LmHeadStorage;
  readonly int4BlockSize?: number;
  readonly producerVersion?: string;
  readonly onProgress?: (message: string) => void;
  readonly signal?: AbortSignal;
}

/**
 * Options the optimum layout cannot honour, refused before any work. Its graph is the plain
 * fused graph (transformers.js has no use for gates or cosines), in float32 or with int8/int4
 * weights; float16 storage is refused because transformers.js's `fp16` files compute in
 * float16, which LiteStage's (float16 weights, float32 compute) do not.
 */
export function checkOptimumOptions(options: OptimumLayoutOptions): void {
  // One line each: what cannot be done, and what to do instead.
  if ((options.dtype ?? 'fp32') !== 'fp32') {
    throw new ConversionError(
      `the optimum layout stores fp32 or quantized weights, not ${options.dtype}: keep the dtype at fp32 (quantize to int8 or int4 for smaller files)`,
    );
  }
  if (options.graph === 'standard') {
    throw new ConversionError(
      'the optimum layout has the fused graph only (GroupQueryAttention takes its lengths from the attention mask): leave the graph flavour unset',
    );
  }
  if (options.propagateKv) {
    throw new ConversionError(
      "the propagate KV policy is for a LiteStage bundle's gated graph, which the optimum layout does not have: leave it off",
    );
  }
}

/** A Hugging Face checkpoint opened for the optimum layout. */
export interface OptimumSource {
  /** The checkpoint folder. */
  readonly input: string;
  readonly config: DecoderConfig;
  readonly weights: WeightSource;
  /** The checkpoint's own `config.json` text. */
  readonly configJson: string;
  /** The tokenizer, already checked and copied into the output folder. */
  readonly tokenizer: ModelBundleManifest['tokenizer'];
}

const DATA_SUFFIX = '_data';

/**
 * Writes the optimum layout into `folder`, which already holds the checkpoint's tokenizer:
 * `onnx/model{suffix}.onnx` with its weights in
 * `onnx/model{suffix}.onnx_data` (the external data name transformers.js fetches),
 * `config.json` (the checkpoint's, with a `transformers.js_config` naming the dtype and the
 * external data file), `generation_config.json` (the checkpoint's, or its BOS/EOS ids) and
 * an empty `tokenizer_config.json` when the checkpoint has none (transformers.js requires the
 * file).
 */
export async function writeOptimumLayout(
  source: OptimumSource,
  folder: string,
  options: OptimumLayoutOptions,
): Promise<OptimumExport> {
  const { config } = source;
  const problem = fusedGraphProblem(config);
  if (problem) {
    throw new ConversionError(`the optimum layout needs the fused graph, and ${problem}`);
  }
  const progress = options.onProgress ?? (() => {});
  const quantization = options.quantization ?? 'none';
  const transformersDtype = TRANSFORMERS_DTYPE[quantization];
  const graphFile = `model${FILE_SUFFIX[transformersDtype]}.onnx`;
  const dataFile = `${graphFile}${DATA_SUFFIX}`;

  if (source.tokenizer.configFile === null)
    await writeFile(join(folder, 'tokenizer_config.json'), '{}\n');
  const modelType = await writeConfigs(source, folder, graphFile, transformersDtype);
  options.signal?.throwIfAborted();

  await mkdir(join(folder, 'onnx'));
  const sink = await ExternalDataSink.create(join(folder, 'onnx', dataFile), dataFile);
  try {
    const prepared = await prepareWeights(config, source.weights, sink, {
      dtype: 'fp32',
      quantization,
      lmHead: options.lmHead,
      int4BlockSize: options.int4BlockSize as Int4BlockSize | undefined,
      onTensor: (name, done, total) => progress(`[${done}/${total}] ${name}`),
      signal: options.signal,
    });
    await sink.close();
    options.signal?.throwIfAborted();
    const model = buildOptimumDecoderModel(config, prepared, sink.initializers, {
      producerVersion: options.producerVersion,
      accuracyLevel: options.accuracyLevel,
    });
    await writeFile(join(folder, 'onnx', graphFile), encodeModel(model));
  } catch (error) {
    await sink.abort();
    throw error;
  }
  return {
    layout: 'optimum',
    modelType,
    numLayers: config.numLayers,
    dtype: 'fp32',
    quantization,
    transformersDtype,
    modelFile: `onnx/${graphFile}`,
    files: [
      'config.json',
      'generation_config.json',
      `onnx/${dataFile}`,
      `onnx/${graphFile}`,
      'tokenizer.json',
      'tokenizer_config.json',
    ].sort(),
  };
}

/** Writes `config.json` and `generation_config.json`; returns the model type. */
async function writeConfigs(
  source: OptimumSource,
  folder: string,
  graphFile: string,
  transformersDtype: TransformersDtype,
): Promise<string> {
  const json = JSON.parse(source.configJson) as Record<string, unknown>;
  const earlier = json['transformers.js_config'];
  json['transformers.js_config'] = {
    ...(typeof earlier === 'object' && earlier !== null ? earlier : {}),
    // Loaded without a dtype, transformers.js then picks this file on every device (wasm
    // would otherwise look for `model_quantized.onnx`).
    dtype: transformersDtype,
    // The weights are always external: transformers.js fetches `<graph>_data` beside it.
    use_external_data_format: { [graphFile]: 1 },
  };
  await writeFile(join(folder, 'config.json'), `${JSON.stringify(json, null, 2)}\n`);

  const generationConfig = join(source.input, 'generation_config.json');
  if (await stat(generationConfig).catch(() => null)) {
    await copyFile(generationConfig, join(folder, 'generation_config.json'));
  } else {
    const { bosTokenId, eosTokenIds } = source.config;
    const generation = {
      ...(bosTokenId === null ? {} : { bos_token_id: bosTokenId }),
      eos_token_id: eosTokenIds.length === 1 ? eosTokenIds[0] : eosTokenIds,
    };
    await writeFile(
      join(folder, 'generation_config.json'),
      `${JSON.stringify(generation, null, 2)}\n`,
    );
  }
  return String(json.model_type);
}
