import { createHash, randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { LiteStageError } from '@litestage/errors';
import { BUNDLE_MANIFEST_FILE, type ModelBundleManifest } from '../bundle-manifest.js';
import { CheckpointError } from '../checkpoint/checkpoint-error.js';
import { openHuggingFaceCheckpoint } from '../checkpoint/hf-checkpoint.js';
import { openLlama2cCheckpoint } from '../checkpoint/llama2c-checkpoint.js';
import type { DecoderConfig, WeightSource } from '../decoder-config.js';
import { buildDecoderModel } from '../graph/decoder-graph.js';
import { prepareWeights, type Quantization, type WeightDtype } from '../graph/prepared-weights.js';
import { encodeModel } from '../onnx/onnx-model.js';
import { HuggingFaceTokenizer } from '../tokenizers/hf-tokenizer.js';
import { Llama2cTokenizer } from '../tokenizers/llama2c-tokenizer.js';
import { ExternalDataSink } from './external-data-sink.js';

export const MODEL_PACKAGE_VERSION = '0.0.0';

export interface ConvertOptions {
  /** A Hugging Face checkpoint folder (`config.json` + safetensors) or a llama2.c `.bin`. */
  readonly input: string;
  /** The bundle folder to create; it must not exist. */
  readonly out: string;
  /** Tokenizer file: llama2.c `tokenizer.bin` (required for `.bin` input) or a `tokenizer.json`. */
  readonly tokenizer?: string;
  readonly dtype?: WeightDtype;
  readonly quantization?: Quantization;
  /** Also build the plain graph (same weights, no gates) for benchmarks. Default true. */
  readonly plainGraph?: boolean;
  /** Build for the `propagate` KV policy. Default false. */
  readonly propagateKv?: boolean;
  /** Bundle name (default: the input's name). */
  readonly name?: string;
  readonly onProgress?: (message: string) => void;
}

export class ConversionError extends LiteStageError {
  override readonly name = 'ConversionError';
}

/**
 * Converts a checkpoint into a bundle folder: `litestage.json`, `model.onnx` (gated),
 * `model.plain.onnx` (optional), the shared `model.onnx.data`, and the tokenizer. Everything
 * is written into a temporary folder beside `out` and renamed into place at the end, so a
 * failed conversion leaves nothing behind.
 */
export async function convertCheckpoint(options: ConvertOptions): Promise<ModelBundleManifest> {
  const out = resolve(options.out);
  if (await exists(out))
    throw new ConversionError(`${out} already exists; choose another --out or remove it`);
  const input = resolve(options.input);
  const info = await stat(input).catch(() => null);
  if (!info) throw new ConversionError(`${input}: no such file or folder`);
  const progress = options.onProgress ?? (() => {});
  const dtype = options.dtype ?? 'fp32';
  const quantization = options.quantization ?? 'none';

  const temporary = join(
    dirname(out),
    `.${basename(out)}.${randomBytes(4).toString('hex')}.partial`,
  );
  await mkdir(temporary, { recursive: false });
  let weights: WeightSource | undefined;
  let sink: ExternalDataSink | undefined;
  try {
    let config: DecoderConfig;
    let sourceFormat: 'huggingface' | 'llama2c';
    let tokenizer: ModelBundleManifest['tokenizer'];
    if (info.isDirectory()) {
      const checkpoint = await openHuggingFaceCheckpoint(input);
      config = checkpoint.config;
      weights = checkpoint.weights;
      sourceFormat = 'huggingface';
      tokenizer = await copyHuggingFaceTokenizer(input, options.tokenizer, temporary, config);
    } else {
      const checkpoint = await openLlama2cCheckpoint(input);
      config = checkpoint.config;
      weights = checkpoint.weights;
      sourceFormat = 'llama2c';
      if (!options.tokenizer) {
        throw new ConversionError(
          `${input}: a llama2.c checkpoint needs its tokenizer: pass --tokenizer <tokenizer.bin>`,
        );
      }
      const bytes = await readTokenizerFile(options.tokenizer);
      Llama2cTokenizer.fromBytes(bytes, { vocabSize: config.vocabSize, source: options.tokenizer });
      await writeFile(join(temporary, 'tokenizer.bin'), bytes);
      tokenizer = { kind: 'llama2c', file: 'tokenizer.bin', configFile: null };
    }
    progress(
      `${sourceFormat} checkpoint: ${config.numLayers} layers, hidden ${config.hiddenSize}, vocab ${config.vocabSize}`,
    );

    sink = await ExternalDataSink.create(join(temporary, 'model.onnx.data'), 'model.onnx.data');
    const activeSink = sink;
    const prepared = await prepareWeights(config, weights, activeSink, {
      dtype,
      quantization,
      onTensor: (name, done, total) => progress(`[${done}/${total}] ${name}`),
    });
    const dataHash = await activeSink.close();
    sink = undefined;

    const graphs = {
      gated: { file: 'model.onnx', externalData: 'model.onnx.data' },
      plain: null as null | { file: string; externalData: string },
    };
    const common = {
      producerVersion: MODEL_PACKAGE_VERSION,
      propagateKv: Boolean(options.propagateKv),
    };
    await writeFile(
      join(temporary, graphs.gated.file),
      encodeModel(
        buildDecoderModel(config, prepared, activeSink.initializers, { ...common, gated: true }),
      ),
    );
    if (options.plainGraph ?? true) {
      graphs.plain = { file: 'model.plain.onnx', externalData: 'model.onnx.data' };
      await writeFile(
        join(temporary, graphs.plain.file),
        encodeModel(
          buildDecoderModel(config, prepared, activeSink.initializers, { ...common, gated: false }),
        ),
      );
    }

    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ config, dtype, quantization }))
      .update(dataHash)
      .digest('hex');
    const manifest: ModelBundleManifest = {
      format: 'litestage-bundle',
      formatVersion: 1,
      name: options.name ?? basename(input).replace(/\.bin$/, ''),
      architecture: config.architecture,
      numLayers: config.numLayers,
      numKvHeads: config.numKvHeads,
      headDim: config.headDim,
      vocabSize: config.vocabSize,
      maxPositions: config.maxPositionEmbeddings,
      fingerprint: `sha256:${fingerprint}`,
      dtype,
      quantization,
      graphs,
      propagateKv: Boolean(options.propagateKv),
      tokenizer,
      bosTokenId: config.bosTokenId,
      eosTokenIds: config.eosTokenIds,
      config,
      source: { format: sourceFormat, name: basename(input) },
      createdBy: { name: '@litestage/model', version: MODEL_PACKAGE_VERSION },
    };
    await writeFile(
      join(temporary, BUNDLE_MANIFEST_FILE),
      `${JSON.stringify(manifest, null, 2)}\n`,
    );
    await rename(temporary, out);
    progress(`wrote ${out}`);
    return manifest;
  } catch (error) {
    await sink?.abort();
    await rm(temporary, { recursive: true, force: true });
    throw error;
  } finally {
    await weights?.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readTokenizerFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new ConversionError(`${path}: tokenizer file not found`);
  }
}

async function copyHuggingFaceTokenizer(
  checkpoint: string,
  explicit: string | undefined,
  temporary: string,
  config: DecoderConfig,
): Promise<ModelBundleManifest['tokenizer']> {
  const tokenizerPath = explicit ?? join(checkpoint, 'tokenizer.json');
  if (!(await exists(tokenizerPath))) {
    throw new CheckpointError(
      tokenizerPath,
      'is missing: a Hugging Face checkpoint needs its tokenizer.json (or pass --tokenizer)',
    );
  }
  const configPath = join(dirname(tokenizerPath), 'tokenizer_config.json');
  const hasConfig = await exists(configPath);
  const json = await readFile(tokenizerPath, 'utf8');
  HuggingFaceTokenizer.fromJson(json, {
    source: tokenizerPath,
    ...(hasConfig ? { config: await readFile(configPath, 'utf8') } : {}),
    ...(config.bosTokenId === null ? {} : { bosTokenId: config.bosTokenId }),
    eosTokenIds: config.eosTokenIds,
  });
  await copyFile(tokenizerPath, join(temporary, 'tokenizer.json'));
  if (hasConfig) await copyFile(configPath, join(temporary, 'tokenizer_config.json'));
  return {
    kind: 'huggingface',
    file: 'tokenizer.json',
    configFile: hasConfig ? 'tokenizer_config.json' : null,
  };
}
