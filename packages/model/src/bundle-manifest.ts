import type { BundleManifest } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import { modelFingerprintSchema } from '@litestage/profile';
import { z } from 'zod';
import type { DecoderConfig } from './decoder-config.js';

export const BUNDLE_MANIFEST_FILE = 'litestage.json';

/** A bundle's `litestage.json`: what backends need (`BundleManifest`) plus the full config and provenance. */
export interface ModelBundleManifest extends BundleManifest {
  /** `MatMulNBits`' `accuracy_level` the int4 graphs were built with (absent: the op's default). */
  readonly accuracyLevel?: number;
  /** How the LM head is stored (absent: float, or `quantizeLmHead` in older bundles). */
  readonly lmHead?: 'int8' | 'int4';
  /** Older bundles: the LM head quantized like the projections. */
  readonly quantizeLmHead?: boolean;
  /** Inputs per scale of the int4 weights (absent: 32, the only size before it was recorded). */
  readonly int4BlockSize?: number;
  readonly config: DecoderConfig;
  readonly source: { readonly format: 'huggingface' | 'llama2c'; readonly name: string };
  readonly createdBy: { readonly name: string; readonly version: string };
}

const positiveInt = z.int().min(1);
const graphSchema = z.strictObject({
  file: z.string().min(1),
  externalData: z.string().min(1).nullable(),
});
const ropeScalingSchema = z.union([
  z.strictObject({ type: z.literal('linear'), factor: z.number().positive() }),
  z.strictObject({
    type: z.literal('llama3'),
    factor: z.number().positive(),
    lowFreqFactor: z.number().positive(),
    highFreqFactor: z.number().positive(),
    originalMaxPositionEmbeddings: positiveInt,
  }),
]);
const configSchema = z.strictObject({
  architecture: z.enum(['llama', 'qwen2']),
  vocabSize: positiveInt,
  hiddenSize: positiveInt,
  intermediateSize: positiveInt,
  numLayers: positiveInt,
  numHeads: positiveInt,
  numKvHeads: positiveInt,
  headDim: positiveInt,
  rmsNormEps: z.number().positive(),
  ropeTheta: z.number().positive(),
  ropeScaling: ropeScalingSchema.nullable(),
  ropeStyle: z.enum(['half', 'interleaved']),
  maxPositionEmbeddings: positiveInt,
  tieWordEmbeddings: z.boolean(),
  attentionBias: z.boolean(),
  bosTokenId: z.int().min(0).nullable(),
  eosTokenIds: z.array(z.int().min(0)),
});

export const bundleManifestSchema = z.strictObject({
  format: z.literal('litestage-bundle'),
  formatVersion: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  name: z.string().min(1),
  architecture: z.string().min(1),
  numLayers: positiveInt,
  numKvHeads: positiveInt,
  headDim: positiveInt,
  vocabSize: positiveInt,
  maxPositions: positiveInt,
  fingerprint: modelFingerprintSchema,
  dtype: z.enum(['fp32', 'fp16']),
  quantization: z.enum(['none', 'int8', 'int4']),
  accuracyLevel: z.int().min(0).max(4).optional(),
  lmHead: z.enum(['int8', 'int4']).optional(),
  quantizeLmHead: z.boolean().optional(),
  int4BlockSize: z.literal([16, 32, 64, 128, 256]).optional(),
  graphs: z.strictObject({
    gated: graphSchema,
    plain: graphSchema.nullable(),
    search: graphSchema.optional(),
  }),
  graphFlavour: z.enum(['fused', 'standard']).optional(),
  propagateKv: z.boolean(),
  tokenizer: z.strictObject({
    kind: z.enum(['llama2c', 'huggingface']),
    file: z.string().min(1),
    configFile: z.string().min(1).nullable(),
  }),
  bosTokenId: z.int().min(0).nullable(),
  eosTokenIds: z.array(z.int().min(0)),
  config: configSchema,
  source: z.strictObject({ format: z.enum(['huggingface', 'llama2c']), name: z.string() }),
  createdBy: z.strictObject({ name: z.string(), version: z.string() }),
});

/** The manifest fields that restate the config, as converters write them. */
export function manifestShape(config: DecoderConfig) {
  return {
    architecture: config.architecture,
    numLayers: config.numLayers,
    numKvHeads: config.numKvHeads,
    headDim: config.headDim,
    vocabSize: config.vocabSize,
    maxPositions: config.maxPositionEmbeddings,
    bosTokenId: config.bosTokenId,
    eosTokenIds: config.eosTokenIds,
  } satisfies Partial<ModelBundleManifest>;
}

export class BundleError extends LiteStageError {
  override readonly name = 'BundleError';
}

/** Reads and checks a `litestage.json`; `location` names the bundle in errors. */
export function parseBundleManifest(text: string, location: string): ModelBundleManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BundleError(
      `${location}/${BUNDLE_MANIFEST_FILE}: not valid JSON: ${(error as Error).message}`,
    );
  }
  const result = bundleManifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new BundleError(
      `${location}/${BUNDLE_MANIFEST_FILE} is not a LiteStage bundle manifest: ${problems}`,
    );
  }
  const manifest = result.data as ModelBundleManifest;
  if (manifest.formatVersion >= 2 !== (manifest.graphs.search !== undefined)) {
    throw new BundleError(
      `${location}/${BUNDLE_MANIFEST_FILE}: graphs.search belongs to bundles of format version 2 and later, and only to them`,
    );
  }
  if (manifest.formatVersion >= 3 !== (manifest.graphFlavour !== undefined)) {
    throw new BundleError(
      `${location}/${BUNDLE_MANIFEST_FILE}: graphFlavour belongs to bundles of format version 3 and later, and only to them`,
    );
  }
  if (manifest.numLayers !== manifest.config.numLayers) {
    throw new BundleError(
      `${location}/${BUNDLE_MANIFEST_FILE}: numLayers disagrees with config.numLayers`,
    );
  }
  return manifest;
}
