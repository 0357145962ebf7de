import type { DecoderConfig, RopeScaling } from '../decoder-config.js';
import { CheckpointError } from './checkpoint-error.js';

/** The `model_type` values read, with the model class a causal-LM checkpoint of each names. */
const FAMILIES = {
  llama: { architecture: 'llama', modelClass: 'LlamaForCausalLM' },
  mistral: { architecture: 'llama', modelClass: 'MistralForCausalLM' },
  qwen2: { architecture: 'qwen2', modelClass: 'Qwen2ForCausalLM' },
} as const;

type ModelType = keyof typeof FAMILIES;

const SUPPORTED = Object.entries(FAMILIES)
  .map(([modelType, family]) => `${modelType} (${family.modelClass})`)
  .join(', ');

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads typed fields of one JSON object, naming the file and the field in every error. */
class ConfigFields {
  constructor(
    private readonly file: string,
    private readonly json: JsonObject,
    private readonly prefix = '',
  ) {}

  fail(field: string, message: string): CheckpointError {
    return new CheckpointError(this.file, `${this.prefix}${field} ${message}`);
  }

  /** The value, with null read as absent: transformers writes null for "use the default". */
  raw(field: string): unknown {
    const value = this.json[field];
    return value === null ? undefined : value;
  }

  positiveInteger(field: string, fallback?: number): number {
    const value = this.raw(field);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.fail(field, 'is missing; it must be a positive integer');
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw this.fail(field, `must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  positiveNumber(field: string, fallback?: number): number {
    const value = this.raw(field);
    if (value === undefined) {
      if (fallback !== undefined) return fallback;
      throw this.fail(field, 'is missing; it must be a positive number');
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw this.fail(field, `must be a positive number, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.raw(field);
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') {
      throw this.fail(field, `must be true or false, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  string(field: string): string | undefined {
    const value = this.raw(field);
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      throw this.fail(field, `must be a string, got ${JSON.stringify(value)}`);
    }
    return value;
  }

  tokenId(field: string): number | null {
    const value = this.raw(field);
    if (value === undefined) return null;
    if (!isTokenId(value)) {
      throw this.fail(field, `must be a token id (an integer >= 0), got ${JSON.stringify(value)}`);
    }
    return value;
  }

  tokenIds(field: string): number[] {
    const value = this.raw(field);
    if (value === undefined) return [];
    if (isTokenId(value)) return [value];
    if (Array.isArray(value) && value.every(isTokenId)) return [...value];
    throw this.fail(
      field,
      `must be a token id or a list of token ids, got ${JSON.stringify(value)}`,
    );
  }
}

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The `DecoderConfig` of a Hugging Face `config.json` (already parsed), for the Llama family
 * (Llama, TinyLlama, SmolLM, Mistral without a sliding window) and Qwen2. Anything the graph
 * cannot reproduce is refused here rather than converted into a model that answers wrongly.
 * Absent fields take transformers' defaults, except token ids, which are then none (the
 * tokenizer's config names them); `file` is named in every error.
 */
export function parseHuggingFaceConfig(json: unknown, file: string): DecoderConfig {
  if (!isObject(json)) {
    throw new CheckpointError(file, 'must hold a JSON object (a Hugging Face model config)');
  }
  const fields = new ConfigFields(file, json);
  const modelType = detectModelType(fields, file);
  const family = FAMILIES[modelType];

  const hiddenAct = fields.string('hidden_act');
  if (hiddenAct !== undefined && hiddenAct !== 'silu') {
    throw fields.fail('hidden_act', `is "${hiddenAct}"; only "silu" (SwiGLU) is supported`);
  }

  const hiddenSize = fields.positiveInteger('hidden_size');
  const numHeads = fields.positiveInteger('num_attention_heads');
  const numKvHeads = fields.positiveInteger('num_key_value_heads', numHeads);
  if (numHeads % numKvHeads !== 0) {
    throw fields.fail(
      'num_key_value_heads',
      `(${numKvHeads}) must divide num_attention_heads (${numHeads})`,
    );
  }
  if (fields.raw('head_dim') === undefined && hiddenSize % numHeads !== 0) {
    throw fields.fail(
      'hidden_size',
      `(${hiddenSize}) is not a multiple of num_attention_heads (${numHeads}) and no head_dim is given`,
    );
  }
  const headDim = fields.positiveInteger('head_dim', hiddenSize / numHeads);
  if (headDim % 2 !== 0) {
    throw fields.fail('head_dim', `(${headDim}) must be even: rotary embedding rotates pairs`);
  }
  const maxPositionEmbeddings = fields.positiveInteger('max_position_embeddings');

  let attentionBias: boolean;
  if (modelType === 'qwen2') {
    // Qwen2's q/k/v projections always carry biases; its config has no switch for them.
    attentionBias = true;
    if (fields.boolean('use_sliding_window', false)) {
      throw fields.fail(
        'use_sliding_window',
        'is true: sliding-window attention is not supported; only full-attention Qwen2 models are read',
      );
    }
  } else if (modelType === 'mistral') {
    attentionBias = false;
    // A window at least as long as the longest supported context never masks anything, so such
    // a model is full attention in practice and reads as Llama; a shorter window is refused.
    const slidingWindow = fields.raw('sliding_window');
    if (slidingWindow !== undefined) {
      const window = fields.positiveInteger('sliding_window');
      if (window < maxPositionEmbeddings) {
        throw fields.fail(
          'sliding_window',
          `is ${window}, shorter than max_position_embeddings (${maxPositionEmbeddings}): sliding-window attention is not supported (Mistral v0.2 and later use null)`,
        );
      }
    }
  } else {
    // In transformers' Llama, attention_bias also puts a bias on o_proj, which DecoderConfig
    // (q/k/v biases only) cannot describe: refusing beats converting a model that is wrong.
    if (fields.boolean('attention_bias', false)) {
      throw fields.fail(
        'attention_bias',
        'is true: Llama attention biases (which include o_proj) are not supported yet',
      );
    }
    attentionBias = false;
    if (fields.boolean('mlp_bias', false)) {
      throw fields.fail('mlp_bias', 'is true: MLP biases are not supported');
    }
  }

  const rope = parseRope(fields, file);
  return {
    architecture: family.architecture,
    vocabSize: fields.positiveInteger('vocab_size'),
    hiddenSize,
    intermediateSize: fields.positiveInteger('intermediate_size'),
    numLayers: fields.positiveInteger('num_hidden_layers'),
    numHeads,
    numKvHeads,
    headDim,
    // transformers' default for all three families.
    rmsNormEps: fields.positiveNumber('rms_norm_eps', 1e-6),
    ropeTheta: rope.theta,
    ropeScaling: rope.scaling,
    ropeStyle: 'half',
    maxPositionEmbeddings,
    tieWordEmbeddings: fields.boolean('tie_word_embeddings', false),
    attentionBias,
    bosTokenId: fields.tokenId('bos_token_id'),
    eosTokenIds: fields.tokenIds('eos_token_id'),
  };
}

function detectModelType(fields: ConfigFields, file: string): ModelType {
  const modelType = fields.string('model_type');
  const architecturesValue = fields.raw('architectures');
  let architectures: readonly string[] | undefined;
  if (architecturesValue !== undefined) {
    if (
      !Array.isArray(architecturesValue) ||
      !architecturesValue.every((name): name is string => typeof name === 'string')
    ) {
      throw fields.fail('architectures', 'must be a list of model class names');
    }
    architectures = architecturesValue;
  }
  const named = [
    modelType === undefined ? undefined : `model_type "${modelType}"`,
    architectures === undefined ? undefined : `architectures ${JSON.stringify(architectures)}`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');
  const refuse = (why: string) =>
    new CheckpointError(file, `${why}; LiteStage reads ${SUPPORTED} checkpoints`);

  let detected: ModelType | undefined;
  if (modelType !== undefined) {
    if (!Object.hasOwn(FAMILIES, modelType)) throw refuse(`${named} is not supported`);
    detected = modelType as ModelType;
  } else if (architectures !== undefined && architectures.length > 0) {
    detected = (Object.keys(FAMILIES) as ModelType[]).find(
      (type) => FAMILIES[type].modelClass === architectures[0],
    );
    if (detected === undefined) throw refuse(`${named} is not supported`);
  } else {
    throw refuse('names no model_type or architectures');
  }
  // A base model (LlamaModel) or another head (...ForSequenceClassification) has no LM head
  // under the names we read, so the class must be the causal LM of the same family.
  const modelClass = FAMILIES[detected].modelClass;
  const other = architectures?.find((name) => name !== modelClass);
  if (other !== undefined) {
    throw refuse(`${named}: "${other}" is not supported (expected ${modelClass})`);
  }
  return detected;
}

/**
 * rope_theta and rope_scaling. Newer transformers releases write both inside
 * `rope_parameters`, so that is read when `rope_scaling` is absent.
 */
function parseRope(
  fields: ConfigFields,
  file: string,
): { theta: number; scaling: RopeScaling | null } {
  const scalingJson = fields.raw('rope_scaling');
  const parametersJson = fields.raw('rope_parameters');
  let theta = fields.positiveNumber('rope_theta', 10000);
  let source: ConfigFields | undefined;
  if (scalingJson !== undefined) {
    if (!isObject(scalingJson)) throw fields.fail('rope_scaling', 'must be an object or null');
    source = new ConfigFields(file, scalingJson, 'rope_scaling.');
  } else if (parametersJson !== undefined) {
    if (!isObject(parametersJson))
      throw fields.fail('rope_parameters', 'must be an object or null');
    source = new ConfigFields(file, parametersJson, 'rope_parameters.');
    theta = source.positiveNumber('rope_theta', theta);
  }
  if (source === undefined) return { theta, scaling: null };

  // transformers renamed `type` to `rope_type`; either may be present. rope_parameters without
  // a type is plain rope; a rope_scaling object without one is ambiguous and refused.
  const type =
    source.string('rope_type') ??
    source.string('type') ??
    (scalingJson === undefined ? 'default' : undefined);
  switch (type) {
    case undefined:
      throw source.fail(
        'rope_type',
        'is missing (expected "linear" or "llama3", or rope_scaling: null)',
      );
    case 'default':
      return { theta, scaling: null };
    case 'linear':
      return { theta, scaling: { type: 'linear', factor: source.positiveNumber('factor') } };
    case 'llama3': {
      const lowFreqFactor = source.positiveNumber('low_freq_factor');
      const highFreqFactor = source.positiveNumber('high_freq_factor');
      if (highFreqFactor <= lowFreqFactor) {
        // The llama3 formula divides by (high - low).
        throw source.fail(
          'high_freq_factor',
          `(${highFreqFactor}) must be greater than low_freq_factor (${lowFreqFactor})`,
        );
      }
      return {
        theta,
        scaling: {
          type: 'llama3',
          factor: source.positiveNumber('factor'),
          lowFreqFactor,
          highFreqFactor,
          originalMaxPositionEmbeddings: source.positiveInteger('original_max_position_embeddings'),
        },
      };
    }
    default:
      throw source.fail(
        'rope_type',
        `"${type}" is not supported; supported rope scaling: linear, llama3 (or none)`,
      );
  }
}
