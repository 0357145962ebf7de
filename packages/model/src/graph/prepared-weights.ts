import { float32ToFloat16Bytes } from '../checkpoint/float16.js';
import {
  type DecoderConfig,
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
  type WeightSource,
} from '../decoder-config.js';
import type { Initializer, TensorTypeName } from '../onnx/onnx-model.js';
import {
  INT4_BLOCK_SIZE,
  type Int4BlockSize,
  quantizeInt4,
  quantizeInt8,
  quantizeInt8Blocks,
} from './quantize.js';
import { interleavedToHalfRows, ropeTables } from './rope.js';

export type WeightDtype = 'fp32' | 'fp16';
export type Quantization = 'none' | 'int8' | 'int4';
/** How the LM head is stored: float (the dtype's), 8-bit or 4-bit blocks (`MatMulNBits`). */
export type LmHeadStorage = 'float' | 'int8' | 'int4';
export const LM_HEAD_STORAGES: readonly LmHeadStorage[] = ['float', 'int8', 'int4'];

/** Receives the graph's constant tensors (an external data file, or memory in tests). */
export interface TensorSink {
  add(
    name: string,
    type: TensorTypeName,
    dims: readonly number[],
    bytes: Uint8Array,
  ): Promise<Initializer>;
}

/** How one projection's weight is stored, which decides the ops that apply it. */
export type ProjectionWeight =
  /** `[in, out]`, float32 or float16 (cast to float32 in the graph). */
  | { readonly kind: 'float'; readonly name: string; readonly stored: 'float' | 'float16' }
  /** `[in, out]` int8 with per-output scales, applied through DequantizeLinear. */
  | {
      readonly kind: 'int8';
      readonly name: string;
      readonly scale: string;
      readonly zeroPoint: string;
    }
  /** com.microsoft.MatMulNBits, 4 bits, a float32 scale per block of `blockSize` inputs. */
  | {
      readonly kind: 'int4';
      readonly name: string;
      readonly scales: string;
      readonly inFeatures: number;
      readonly outFeatures: number;
      readonly blockSize: Int4BlockSize;
    }
  /** com.microsoft.MatMulNBits, 8 bits, a float32 scale per block (the LM head's `int8`). */
  | {
      readonly kind: 'int8-blocks';
      readonly name: string;
      readonly scales: string;
      readonly inFeatures: number;
      readonly outFeatures: number;
      readonly blockSize: number;
    };

export interface LayerWeights {
  readonly inputNorm: string;
  readonly q: ProjectionWeight;
  readonly k: ProjectionWeight;
  readonly v: ProjectionWeight;
  readonly qBias: string | null;
  readonly kBias: string | null;
  readonly vBias: string | null;
  readonly o: ProjectionWeight;
  readonly postNorm: string;
  readonly gate: ProjectionWeight;
  readonly up: ProjectionWeight;
  readonly down: ProjectionWeight;
}

export interface PreparedWeights {
  /** `[vocab, hidden]`. */
  readonly embed: { readonly name: string; readonly stored: 'float' | 'float16' };
  /** `[vocab, hidden]`, applied with Gemm(transB); the embedding itself when tied. */
  readonly lmHead: { readonly name: string; readonly stored: 'float' | 'float16' };
  /** The LM head in 8 or 4 bits, when asked for; the graph then applies it instead. */
  readonly lmHeadQuantized: ProjectionWeight | null;
  readonly finalNorm: string;
  readonly layers: readonly LayerWeights[];
  /** `[maxPositions, headDim/2]`. */
  readonly ropeCos: string;
  readonly ropeSin: string;
}

export interface PrepareOptions {
  readonly dtype: WeightDtype;
  readonly quantization: Quantization;
  /**
   * How to store the LM head (default `float`): `int8` or `int4` blocks are a separate copy
   * when the embeddings are tied, since the embedding lookup stays float.
   */
  readonly lmHead?: LmHeadStorage;
  /** Inputs per scale of int4 weights (default `INT4_BLOCK_SIZE`). */
  readonly int4BlockSize?: Int4BlockSize;
  /** Cos/sin table length; defaults to the config's max positions. */
  readonly maxPositions?: number;
  /** Called after each tensor, for progress. */
  readonly onTensor?: (name: string, done: number, total: number) => void;
  /** Checked after each tensor: once aborted, rejects with its reason before the next one. */
  readonly signal?: AbortSignal;
}

const bytesOf = (array: Float32Array | Int8Array | Uint8Array) =>
  new Uint8Array(array.buffer, array.byteOffset, array.byteLength);

function transpose(weight: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(weight.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = weight[r * cols + c] as number;
  }
  return out;
}

/**
 * Reads every tensor the decoder graph needs, one at a time, converts it (rotary layout,
 * transposition, dtype, quantization) and hands it to the sink. Norms, biases and rotary
 * tables stay float32; embeddings follow `dtype`, and the LM head too unless `lmHead` asks
 * for 8 or 4 bits.
 */
export async function prepareWeights(
  config: DecoderConfig,
  source: WeightSource,
  sink: TensorSink,
  options: PrepareOptions,
): Promise<PreparedWeights> {
  const total = 5 + config.numLayers * (config.attentionBias ? 12 : 9);
  let done = 0;
  const step = (name: string) => {
    options.onTensor?.(name, ++done, total);
    options.signal?.throwIfAborted();
  };
  const { hiddenSize: hidden, headDim, numHeads, numKvHeads } = config;
  const interleaved = config.ropeStyle === 'interleaved';

  const floatTensor = async (name: string, values: Float32Array, dims: number[]) => {
    await sink.add(name, 'float', dims, bytesOf(values));
    step(name);
    return name;
  };
  const storedTensor = async (name: string, values: Float32Array, dims: number[]) => {
    if (options.dtype === 'fp16')
      await sink.add(name, 'float16', dims, float32ToFloat16Bytes(values));
    else await sink.add(name, 'float', dims, bytesOf(values));
    step(name);
    return { name, stored: options.dtype === 'fp16' ? ('float16' as const) : ('float' as const) };
  };

  /** A Linear weight `[out, in]` as the graph applies it, quantized as `quantization` says. */
  const projection = async (
    name: string,
    weight: Float32Array,
    out: number,
    inFeatures: number,
    quantization: Quantization | 'int8-blocks' = options.quantization,
  ): Promise<ProjectionWeight> => {
    if (quantization === 'int8-blocks') {
      const q = quantizeInt8Blocks(weight, out, inFeatures);
      await sink.add(name, 'uint8', [out, q.blocksPerRow, q.blockSize], q.packed);
      const scales = `${name}.scales`;
      await sink.add(scales, 'float', [out * q.blocksPerRow], bytesOf(q.scales));
      step(name);
      return {
        kind: 'int8-blocks',
        name,
        scales,
        inFeatures,
        outFeatures: out,
        blockSize: q.blockSize,
      };
    }
    if (quantization === 'int8') {
      const q = quantizeInt8(weight, out, inFeatures);
      await sink.add(name, 'int8', [inFeatures, out], bytesOf(q.values));
      const scale = `${name}.scale`;
      const zeroPoint = `${name}.zero_point`;
      await sink.add(scale, 'float', [out], bytesOf(q.scales));
      await sink.add(zeroPoint, 'int8', [out], new Uint8Array(out));
      step(name);
      return { kind: 'int8', name, scale, zeroPoint };
    }
    if (quantization === 'int4') {
      const q = quantizeInt4(weight, out, inFeatures, options.int4BlockSize ?? INT4_BLOCK_SIZE);
      await sink.add(name, 'uint8', [out, q.blocksPerRow, q.blockSize / 2], q.packed);
      const scales = `${name}.scales`;
      await sink.add(scales, 'float', [out * q.blocksPerRow], bytesOf(q.scales));
      step(name);
      return { kind: 'int4', name, scales, inFeatures, outFeatures: out, blockSize: q.blockSize };
    }
    const stored = await storedTensor(name, transpose(weight, out, inFeatures), [inFeatures, out]);
    return { kind: 'float', ...stored };
  };

  const embed = await storedTensor(EMBED_TOKENS, await source.read(EMBED_TOKENS), [
    config.vocabSize,
    hidden,
  ]);

  const layers: LayerWeights[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    const n = layerTensorNames(layer);
    const read = (name: string) => source.read(name);
    let q = await read(n.q);
    let k = await read(n.k);
    if (interleaved) {
      q = interleavedToHalfRows(q, numHeads, headDim, hidden);
      k = interleavedToHalfRows(k, numKvHeads, headDim, hidden);
    }
    const bias = async (name: string, heads: number) => {
      if (!config.attentionBias) return null;
      let values = await read(name);
      if (interleaved && heads > 0) values = interleavedToHalfRows(values, heads, headDim, 1);
      return floatTensor(name, values, [values.length]);
    };
    layers.push({
      inputNorm: await floatTensor(n.inputNorm, await read(n.inputNorm), [hidden]),
      q: await projection(n.q, q, numHeads * headDim, hidden),
      k: await projection(n.k, k, numKvHeads * headDim, hidden),
      v: await projection(n.v, await read(n.v), numKvHeads * headDim, hidden),
      qBias: await bias(n.qBias, numHeads),
      kBias: await bias(n.kBias, numKvHeads),
      vBias: await bias(n.vBias, 0),
      o: await projection(n.o, await read(n.o), hidden, numHeads * headDim),
      postNorm: await floatTensor(n.postNorm, await read(n.postNorm), [hidden]),
      gate: await projection(n.gate, await read(n.gate), config.intermediateSize, hidden),
      up: await projection(n.up, await read(n.up), config.intermediateSize, hidden),
      down: await projection(n.down, await read(n.down), hidden, config.intermediateSize),
    });
  }
  const finalNorm = await floatTensor(FINAL_NORM, await source.read(FINAL_NORM), [hidden]);
  const tied = config.tieWordEmbeddings || !source.has(LM_HEAD);
  let lmHead = embed;
  let lmHeadQuantized: ProjectionWeight | null = null;
  const head = options.lmHead ?? 'float';
  if (head !== 'float') {
    const name = tied ? `${LM_HEAD}.quantized` : LM_HEAD;
    const values = await source.read(tied ? EMBED_TOKENS : LM_HEAD);
    lmHeadQuantized = await projection(
      name,
      values,
      config.vocabSize,
      hidden,
      head === 'int8' ? 'int8-blocks' : 'int4',
    );
  } else if (tied) step(LM_HEAD);
  else lmHead = await storedTensor(LM_HEAD, await source.read(LM_HEAD), [config.vocabSize, hidden]);

  const positions = options.maxPositions ?? config.maxPositionEmbeddings;
  const tables = ropeTables(config, positions);
  const ropeCos = await floatTensor('rope.cos', tables.cos, [positions, headDim / 2]);
  const ropeSin = await floatTensor('rope.sin', tables.sin, [positions, headDim / 2]);
  return { embed, lmHead, lmHeadQuantized, finalNorm, layers, ropeCos, ropeSin };
}
