/**
 * What the graph builder and the reference forward need to know about a decoder-only
 * checkpoint, whatever format it came from (Hugging Face `config.json`, llama2.c header).
 */
export interface DecoderConfig {
  /** Family, as written to bundles and profiles: "llama" (Llama, TinyLlama, SmolLM, Mistral) or "qwen2". */
  readonly architecture: 'llama' | 'qwen2';
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  readonly ropeScaling: RopeScaling | null;
  /**
   * How rotary embedding pairs dimensions: "half" rotates (i, i + headDim/2) as Hugging Face
   * Llama does; "interleaved" rotates (2i, 2i + 1) as Meta's and llama2.c's checkpoints do.
   */
  readonly ropeStyle: 'half' | 'interleaved';
  readonly maxPositionEmbeddings: number;
  readonly tieWordEmbeddings: boolean;
  /** Biases on the q/k/v projections (Qwen2). */
  readonly attentionBias: boolean;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
}

export type RopeScaling =
  | { readonly type: 'linear'; readonly factor: number }
  | {
      readonly type: 'llama3';
      readonly factor: number;
      readonly lowFreqFactor: number;
      readonly highFreqFactor: number;
      readonly originalMaxPositionEmbeddings: number;
    };

/** Element types a checkpoint may store. */
export type StoredDtype = 'F32' | 'F16' | 'BF16';

/**
 * The tensors of a checkpoint under Hugging Face Llama names
 * (`model.embed_tokens.weight`, `model.layers.0.self_attn.q_proj.weight`, ...), read one at
 * a time so a large model never sits in memory whole.
 */
export interface WeightSource {
  /** Where the weights come from (a folder or file), for error messages. */
  readonly location: string;
  readonly names: readonly string[];
  has(name: string): boolean;
  shape(name: string): readonly number[];
  dtype(name: string): StoredDtype;
  /** The tensor as float32 (converted from fp16/bf16), row-major. Throws naming the file and tensor. */
  read(name: string): Promise<Float32Array>;
  /** The raw stored bytes, for fingerprinting without conversion. */
  readRaw(name: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** The Hugging Face Llama tensor names of one layer. */
export function layerTensorNames(layer: number) {
  const p = `model.layers.${layer}`;
  return {
    inputNorm: `${p}.input_layernorm.weight`,
    q: `${p}.self_attn.q_proj.weight`,
    k: `${p}.self_attn.k_proj.weight`,
    v: `${p}.self_attn.v_proj.weight`,
    qBias: `${p}.self_attn.q_proj.bias`,
    kBias: `${p}.self_attn.k_proj.bias`,
    vBias: `${p}.self_attn.v_proj.bias`,
    o: `${p}.self_attn.o_proj.weight`,
    postNorm: `${p}.post_attention_layernorm.weight`,
    gate: `${p}.mlp.gate_proj.weight`,
    up: `${p}.mlp.up_proj.weight`,
    down: `${p}.mlp.down_proj.weight`,
  } as const;
}

export const EMBED_TOKENS = 'model.embed_tokens.weight';
export const FINAL_NORM = 'model.norm.weight';
export const LM_HEAD = 'lm_head.weight';
