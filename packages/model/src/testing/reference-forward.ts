import {
  type DecoderConfig,
  EMBED_TOKENS,
  FINAL_NORM,
  LM_HEAD,
  layerTensorNames,
  type WeightSource,
} from '../decoder-config.js';
import { ropeTables } from '../graph/rope.js';

/** Which sub-layers a step skips, one flag per layer. */
export interface SkipFlags {
  readonly attn: readonly boolean[];
  readonly ffn: readonly boolean[];
}

export interface ReferenceStep {
  /** Logits of every new position, `[seq][vocab]`. */
  readonly logits: Float32Array[];
  /** `[layer][token]` cosine between the residual stream before and after each sub-layer. */
  readonly cosAttn: number[][];
  readonly cosFfn: number[][];
}

/** One sequence's cache: per layer, the keys and values of the positions where it ran. */
export class ReferenceCache {
  readonly keys: Float32Array[][];
  readonly values: Float32Array[][];
  /** Tokens processed so far (the next position id). */
  length = 0;

  constructor(numLayers: number) {
    this.keys = Array.from({ length: numLayers }, () => []);
    this.values = Array.from({ length: numLayers }, () => []);
  }
}

interface LayerTensors {
  inputNorm: Float32Array;
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  qBias: Float32Array | null;
  kBias: Float32Array | null;
  vBias: Float32Array | null;
  o: Float32Array;
  postNorm: Float32Array;
  gate: Float32Array;
  up: Float32Array;
  down: Float32Array;
}

/**
 * A plain TypeScript forward pass (float32, no onnxruntime) with the same skip semantics
 * as the ONNX graph: the yardstick the graph is tested against. Slow; for small models.
 * Rotary embedding follows the checkpoint's own style (halves or interleaved pairs) on the
 * original weights, so it also checks the graph builder's weight reordering.
 */
export class ReferenceModel {
  private readonly cosTable: Float32Array;
  private readonly sinTable: Float32Array;

  private constructor(
    readonly config: DecoderConfig,
    private readonly embed: Float32Array,
    private readonly layers: LayerTensors[],
    private readonly finalNorm: Float32Array,
    private readonly lmHead: Float32Array,
    readonly maxPositions: number,
  ) {
    const tables = ropeTables(config, maxPositions);
    this.cosTable = tables.cos;
    this.sinTable = tables.sin;
  }

  static async load(
    config: DecoderConfig,
    source: WeightSource,
    maxPositions = config.maxPositionEmbeddings,
  ): Promise<ReferenceModel> {
    const layers: LayerTensors[] = [];
    for (let j = 0; j < config.numLayers; j++) {
      const n = layerTensorNames(j);
      const optional = async (name: string) => (config.attentionBias ? source.read(name) : null);
      layers.push({
        inputNorm: await source.read(n.inputNorm),
        q: await source.read(n.q),
        k: await source.read(n.k),
        v: await source.read(n.v),
        qBias: await optional(n.qBias),
        kBias: await optional(n.kBias),
        vBias: await optional(n.vBias),
        o: await source.read(n.o),
        postNorm: await source.read(n.postNorm),
        gate: await source.read(n.gate),
        up: await source.read(n.up),
        down: await source.read(n.down),
      });
    }
    const embed = await source.read(EMBED_TOKENS);
    // A tied model's weights may still carry the head a bundle applies (a quantized copy).
    const lmHead = source.has(LM_HEAD) ? await source.read(LM_HEAD) : embed;
    return new ReferenceModel(
      config,
      embed,
      layers,
      await source.read(FINAL_NORM),
      lmHead,
      maxPositions,
    );
  }

  createCache(): ReferenceCache {
    return new ReferenceCache(this.config.numLayers);
  }

  /** Runs `tokens` after what the cache holds. */
  forward(
    cache: ReferenceCache,
    tokens: readonly number[],
    skip: SkipFlags = noSkips(this.config.numLayers),
    options: { readonly propagateKv?: boolean } = {},
  ): ReferenceStep {
    const c = this.config;
    const { hiddenSize: d, numHeads, numKvHeads, headDim } = c;
    const positions = tokens.map((_, i) => cache.length + i);
    if ((positions.at(-1) ?? 0) >= this.maxPositions) {
      throw new RangeError(
        `position ${positions.at(-1)} is beyond the ${this.maxPositions} rotary positions`,
      );
    }
    let hidden: Float32Array[] = tokens.map((t) => this.embed.slice(t * d, (t + 1) * d));
    const cosAttn: number[][] = [];
    const cosFfn: number[][] = [];

    for (let j = 0; j < c.numLayers; j++) {
      const w = this.layers[j] as LayerTensors;
      const runAttention = !skip.attn[j];
      if (runAttention || options.propagateKv) {
        const past = cache.keys[j]?.length ?? 0;
        const normed = hidden.map((x) => rmsNorm(x, w.inputNorm, c.rmsNormEps));
        const newKeys = normed.map((x, t) =>
          this.rotate(
            addBias(matVec(w.k, x, numKvHeads * headDim, d), w.kBias),
            numKvHeads,
            positions[t] as number,
          ),
        );
        const newValues = normed.map((x) =>
          addBias(matVec(w.v, x, numKvHeads * headDim, d), w.vBias),
        );
        cache.keys[j]?.push(...newKeys);
        cache.values[j]?.push(...newValues);
        if (runAttention) {
          const keys = cache.keys[j] as Float32Array[];
          const values = cache.values[j] as Float32Array[];
          const group = numHeads / numKvHeads;
          const next = hidden.map((x, t) => {
            const q = this.rotate(
              addBias(matVec(w.q, normed[t] as Float32Array, numHeads * headDim, d), w.qBias),
              numHeads,
              positions[t] as number,
            );
            const context = new Float32Array(numHeads * headDim);
            const visible = past + t + 1;
            for (let h = 0; h < numHeads; h++) {
              const kvHead = Math.floor(h / group);
              const scores = new Float64Array(visible);
              let max = -Infinity;
              for (let s = 0; s < visible; s++) {
                let dot = 0;
                const key = keys[s] as Float32Array;
                for (let i = 0; i < headDim; i++)
                  dot += (q[h * headDim + i] as number) * (key[kvHead * headDim + i] as number);
                scores[s] = dot / Math.sqrt(headDim);
                max = Math.max(max, scores[s] as number);
              }
              let sum = 0;
              for (let s = 0; s < visible; s++) {
                scores[s] = Math.exp((scores[s] as number) - max);
                sum += scores[s] as number;
              }
              for (let s = 0; s < visible; s++) {
                const value = values[s] as Float32Array;
                const p = (scores[s] as number) / sum;
                for (let i = 0; i < headDim; i++) {
                  context[h * headDim + i] =
                    (context[h * headDim + i] as number) +
                    p * (value[kvHead * headDim + i] as number);
                }
              }
            }
            return add(x, matVec(w.o, context, d, numHeads * headDim));
          });
          cosAttn.push(hidden.map((x, t) => cosineOf(x, next[t] as Float32Array)));
          hidden = next;
        }
      }
      if (!runAttention) cosAttn.push(hidden.map(() => 1));

      if (skip.ffn[j]) {
        cosFfn.push(hidden.map(() => 1));
      } else {
        const next = hidden.map((x) => {
          const xn = rmsNorm(x, w.postNorm, c.rmsNormEps);
          const gate = matVec(w.gate, xn, c.intermediateSize, d);
          const up = matVec(w.up, xn, c.intermediateSize, d);
          const act = new Float32Array(c.intermediateSize);
          for (let i = 0; i < act.length; i++) {
            const g = gate[i] as number;
            act[i] = (g / (1 + Math.exp(-g))) * (up[i] as number);
          }
          return add(x, matVec(w.down, act, d, c.intermediateSize));
        });
        cosFfn.push(hidden.map((x, t) => cosineOf(x, next[t] as Float32Array)));
        hidden = next;
      }
    }
    cache.length += tokens.length;
    const logits = hidden.map((x) =>
      matVec(this.lmHead, rmsNorm(x, this.finalNorm, c.rmsNormEps), c.vocabSize, d),
    );
    return { logits, cosAttn, cosFfn };
  }

  private rotate(x: Float32Array, heads: number, position: number): Float32Array {
    const { headDim } = this.config;
    const half = headDim / 2;
    const out = new Float32Array(x.length);
    for (let h = 0; h < heads; h++) {
      const base = h * headDim;
      for (let i = 0; i < half; i++) {
        const cos = this.cosTable[position * half + i] as number;
        const sin = this.sinTable[position * half + i] as number;
        const [a, b] =
          this.config.ropeStyle === 'half'
            ? [base + i, base + i + half]
            : [base + 2 * i, base + 2 * i + 1];
        const xa = x[a] as number;
        const xb = x[b] as number;
        out[a] = xa * cos - xb * sin;
        out[b] = xb * cos + xa * sin;
      }
    }
    return out;
  }
}

export function noSkips(numLayers: number): SkipFlags {
  return { attn: Array(numLayers).fill(false), ffn: Array(numLayers).fill(false) };
}

function matVec(weight: Float32Array, x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const offset = r * cols;
    for (let i = 0; i < cols; i++) sum += (weight[offset + i] as number) * (x[i] as number);
    out[r] = sum;
  }
  return out;
}

function addBias(x: Float32Array, bias: Float32Array | null): Float32Array {
  if (bias) for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) + (bias[i] as number);
  return x;
}

function add(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] as number) + (b[i] as number);
  return out;
}

function rmsNorm(x: Float32Array, weight: Float32Array, eps: number): Float32Array {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i] as number) ** 2;
  const scale = 1 / Math.sqrt(sum / x.length + eps);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] as number) * scale * (weight[i] as number);
  return out;
}

function cosineOf(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    na += (a[i] as number) ** 2;
    nb += (b[i] as number) ** 2;
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb) + 1e-12);
}
