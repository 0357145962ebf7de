import { z } from 'zod';
import { modelFingerprintSchema } from './model-fingerprint.js';
import { SUB_LAYER_ID_PATTERN } from './sub-layer-id.js';

/**
 * The profile schema, version 1. This file is the source of truth: the TypeScript types
 * are inferred from it and `profile.schema.json` is generated from it.
 *
 * Objects are strict: an unknown field is an error rather than silently ignored, because
 * a misspelt field (say `skips` for `skip`) would otherwise run the model at full depth
 * without a word. Plugins keep their own data under the top-level `extensions` object.
 *
 * What JSON Schema cannot say (a skipped layer must exist in the model, stage names must
 * match `task.stages`, ids must not repeat) is checked by `cross-check.ts`.
 */

export const PROFILE_SCHEMA_VERSION = 1;

export const subLayerIdSchema = z
  .string()
  .regex(SUB_LAYER_ID_PATTERN, {
    error: 'expected a sub-layer id "<layer>.attn" or "<layer>.ffn" (layers from 0, e.g. "3.ffn")',
  })
  .meta({ description: 'A sub-layer: "<layer>.attn" or "<layer>.ffn", layers counted from 0.' });

export const stageNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, {
    error: 'expected a stage name: a letter, then letters, digits, "_" or "-"',
  })
  .meta({ description: 'A stage name of the task format, e.g. "recall".' });

const nonEmpty = z.string().min(1, { error: 'expected a non-empty string' });
const fraction = z.number().min(0).max(1);

export const earlyExitSchema = z
  .strictObject({
    confidence: z.enum(['maxProb', 'maxLogit']).meta({
      description: 'Confidence of a step: the largest softmax probability, or the largest logit.',
    }),
    window: z
      .int()
      .min(1)
      .meta({ description: 'How many of the latest confidences are averaged.' }),
    threshold: z.number().meta({
      description:
        'The stage ends once the window is full and its mean is <= threshold (a probability in [0, 1] for maxProb).',
    }),
  })
  .meta({ description: 'Confidence-based early exit of a stage.' });

export const stageSettingsSchema = z.strictObject({
  skip: z
    .array(subLayerIdSchema)
    .meta({ description: 'Sub-layers skipped while this stage runs; empty means full depth.' }),
  earlyExit: earlyExitSchema
    .nullable()
    .meta({ description: 'Early-exit settings, or null for off.' }),
  maxNewTokens: z.int().min(1).meta({ description: 'Hard cap on tokens generated in this stage.' }),
});

export const modelIdentitySchema = z.strictObject({
  name: nonEmpty,
  architecture: nonEmpty.meta({ description: 'e.g. "llama" or "qwen2".' }),
  numLayers: z
    .int()
    .min(1)
    .meta({ description: 'Decoder layers; sub-layer ids must be below it.' }),
  fingerprint: modelFingerprintSchema,
});

export const taskIdentitySchema = z.strictObject({
  format: nonEmpty.meta({ description: 'Id of the task format, e.g. "tinythinker".' }),
  stages: z
    .array(stageNameSchema)
    .min(1)
    .meta({ description: 'Stage names in the order they run.' }),
});

export const runtimePolicySchema = z.strictObject({
  kvPolicy: z.enum(['reprefill', 'reuse', 'propagate']).meta({
    description:
      "reprefill: recompute the context with each stage's skip set; reuse: keep the cache (a layer attends only where it ran); propagate: skipped attention still writes its K/V.",
  }),
  skipInPrefill: z
    .boolean()
    .meta({ description: "Whether a stage's skip set applies to its prefill too." }),
});

const figuresSchema = z.strictObject({
  accuracy: fraction,
  meanLatencyMs: z.number().min(0),
  tokensPerStage: z.record(stageNameSchema, z.number().min(0)),
});

export const evaluationSchema = z.strictObject({
  step: nonEmpty.meta({
    description: 'Which part of the search made this evaluation, e.g. "budget".',
  }),
  budgets: z.record(stageNameSchema, z.int().min(0)),
  thresholds: z.record(stageNameSchema, z.number().nullable()),
  accuracy: fraction,
  meanLatencyMs: z.number().min(0),
  questions: z.int().min(0),
  pruned: z.boolean(),
});

export const provenanceSchema = z
  .strictObject({
    createdAt: z.iso.datetime({ offset: true }),
    searcher: z.strictObject({ name: nonEmpty, version: nonEmpty }),
    ranking: z.strictObject({
      metric: nonEmpty.meta({ description: 'Importance metric, e.g. "cosine".' }),
      tokenReduction: z.enum(['mean', 'last']),
      stageReduction: nonEmpty.meta({ description: 'How stage scores were combined, e.g. "sum".' }),
      tokens: z.enum(['prefill', 'decode']).optional().meta({
        description:
          "Whose cosines ranked the sub-layers: each stage's prompt (prefill, when absent) or its decode steps.",
      }),
      entries: z
        .array(z.strictObject({ id: subLayerIdSchema, score: z.number() }))
        .meta({ description: 'Sub-layers from most to least redundant, with their scores.' }),
    }),
    calibration: z.strictObject({ id: nonEmpty, size: z.int().min(1) }),
    epsilon: fraction.meta({
      description: 'Allowed accuracy drop, in absolute points (0.04 = 4 points).',
    }),
    latencyMethod: z.enum(['measured', 'model']),
    baseline: figuresSchema,
    result: figuresSchema,
    speedup: z.number().positive(),
    trace: z.array(evaluationSchema),
    cost: z.strictObject({
      questionEvaluations: z.int().min(0),
      exhaustiveQuestionEvaluations: z.int().min(0),
    }),
    evaluation: z
      .strictObject({
        mode: z.enum(['in-process', 'threads', 'queue']),
        workers: z.int().min(0),
      })
      .optional()
      .meta({
        description:
          'Where the question evaluations ran: this process, worker threads, or a job queue (and how many workers answered).',
      }),
    strategy: nonEmpty.optional().meta({
      description:
        'The search strategy that chose the skip sets, e.g. "litestage" or "uniform" (absent: litestage).',
    }),
    environment: z.strictObject({
      device: nonEmpty,
      backend: nonEmpty,
      executionProvider: nonEmpty,
      runtimeVersions: z.record(nonEmpty, nonEmpty),
    }),
  })
  .meta({ description: 'How the profile was found. Runtimes do not need it.' });

export const profileSchema = z
  .strictObject({
    $schema: z.string().optional(),
    schemaVersion: z.literal(PROFILE_SCHEMA_VERSION),
    model: modelIdentitySchema,
    task: taskIdentitySchema,
    stages: z
      .record(stageNameSchema, stageSettingsSchema)
      .meta({ description: 'Settings of every stage named in task.stages, keyed by stage name.' }),
    runtime: runtimePolicySchema,
    provenance: provenanceSchema.optional(),
    extensions: z.record(nonEmpty, z.unknown()).optional().meta({
      description: 'Free-form data of plugins, keyed by plugin name. Never read by runtimes.',
    }),
  })
  .meta({
    title: 'LiteStage profile',
    description:
      'Per-stage sub-layer skip sets and early-exit settings for one model and one task format.',
  });

export type Profile = z.infer<typeof profileSchema>;
export type StageSettings = z.infer<typeof stageSettingsSchema>;
export type EarlyExitSettings = z.infer<typeof earlyExitSchema>;
export type RuntimePolicy = z.infer<typeof runtimePolicySchema>;
export type ModelIdentity = z.infer<typeof modelIdentitySchema>;
export type TaskIdentity = z.infer<typeof taskIdentitySchema>;
export type ProfileProvenance = z.infer<typeof provenanceSchema>;
export type SearchEvaluation = z.infer<typeof evaluationSchema>;
