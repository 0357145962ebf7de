import { availableParallelism } from 'node:os';
import type {
  Backend,
  BundleSource,
  LoadOptions,
  ModelSession,
  Sequence,
  SkipMask,
  StepRequest,
  StepResult,
} from '@litestage/core';
import * as ort from 'onnxruntime-node';

export const NODE_EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type NodeExecutionProvider = (typeof NODE_EXECUTION_PROVIDERS)[number];

class NodeSequence implements Sequence {
  length = 0;
  keys: ort.Tensor[] = [];
  values: ort.Tensor[] = [];
  /** Per layer, the positions its cache holds, in order (fewer where attention was skipped). */
  held: number[][] = [];

  constructor(
    private readonly numLayers: number,
    private readonly kvHeads: number,
    private readonly headDim: number,
  ) {
    this.reset();
  }

  layerLengths(): number[] {
    return this.keys.map((k) => k.dims[2] as number);
  }

  reset(): void {
    this.length = 0;
    const empty = () =>
      new ort.Tensor('float32', new Float32Array(0), [1, this.kvHeads, 0, this.headDim]);
    this.keys = Array.from({ length: this.numLayers }, empty);
    this.values = Array.from({ length: this.numLayers }, empty);
    this.held = Array.from({ length: this.numLayers }, () => []);
  }

  /** Records what a step appended to each layer's cache. */
  extend(
    start: number,
    count: number,
    presentKeys: ort.Tensor[],
    presentValues: ort.Tensor[],
  ): void {
    for (let j = 0; j < this.numLayers; j++) {
      const added = (presentKeys[j]?.dims[2] as number) - (this.keys[j]?.dims[2] as number);
      if (added === count) for (let p = 0; p < count; p++) this.held[j]?.push(start + p);
      else if (added !== 0)
        throw new Error(`layer ${j} appended ${added} cache entries for ${count} tokens`);
    }
    this.keys = presentKeys;
    this.values = presentValues;
    this.length = start + count;
  }

  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.length) {
      throw new RangeError(`cannot truncate a sequence of ${this.length} tokens to ${length}`);
    }
    if (length === this.length) return;
    for (let j = 0; j < this.numLayers; j++) {
      const positions = this.held[j] as number[];
      let keep = positions.length;
      while (keep > 0 && (positions[keep - 1] as number) >= length) keep--;
      positions.length = keep;
      this.keys[j] = this.cut(this.keys[j] as ort.Tensor, keep);
      this.values[j] = this.cut(this.values[j] as ort.Tensor, keep);
    }
    this.length = length;
  }

  /** The first `keep` entries of a `[1, kvHeads, n, headDim]` cache. */
  private cut(tensor: ort.Tensor, keep: number): ort.Tensor {
    const n = tensor.dims[2] as number;
    if (keep === n) return tensor;
    const data = tensor.data as Float32Array;
    const out = new Float32Array(this.kvHeads * keep * this.headDim);
    for (let h = 0; h < this.kvHeads; h++) {
      out.set(
        data.subarray(h * n * this.headDim, (h * n + keep) * this.headDim),
        h * keep * this.headDim,
      );
    }
    return new ort.Tensor('float32', out, [1, this.kvHeads, keep, this.headDim]);
  }

  dispose(): void {
    this.keys = [];
    this.values = [];
    this.held = [];
  }
}

/**
 * A loaded bundle on one onnxruntime-node execution provider. K/V caches come back to the
 * host after every step (onnxruntime-node has no device-resident outputs except on WebGPU).
 */
class NodeModelSession implements ModelSession {
  readonly backend = 'node';

  constructor(
    readonly manifest: BundleSource['manifest'],
    readonly executionProvider: NodeExecutionProvider,
    private readonly gated: ort.InferenceSession,
    /** The plain graph is loaded on first use: most runs never need it. */
    private readonly loadPlain: (() => Promise<ort.InferenceSession>) | null,
    /**
     * The search graph (cosine outputs), loaded on the first step that asks for cosines;
     * null for version-1 bundles, whose gated graph has the cosine outputs itself.
     */
    private readonly loadSearch: (() => Promise<ort.InferenceSession>) | null,
  ) {
    this.fused = manifest.graphFlavour === 'fused';
  }

  /** The fused graphs take each layer's sequence lengths besides its cache. */
  private readonly fused: boolean;
  private plain: Promise<ort.InferenceSession> | null = null;
  private search: Promise<ort.InferenceSession> | null = null;

  createSequence(): Sequence {
    return new NodeSequence(
      this.manifest.numLayers,
      this.manifest.numKvHeads,
      this.manifest.headDim,
    );
  }

  async step(sequence: Sequence, request: StepRequest): Promise<StepResult> {
    if (!(sequence instanceof NodeSequence))
      throw new Error('this sequence belongs to another session');
    if (sequence.keys.length === 0) throw new Error('this sequence was disposed');
    const { numLayers, vocabSize, maxPositions } = this.manifest;
    const tokens = request.tokens;
    if (tokens.length === 0) throw new RangeError('a step needs at least one token');
    if (sequence.length + tokens.length > maxPositions) {
      throw new RangeError(
        `the sequence would reach ${sequence.length + tokens.length} tokens; this model supports ${maxPositions}`,
      );
    }
    for (const token of tokens) {
      if (!Number.isInteger(token) || token < 0 || token >= vocabSize) {
        throw new RangeError(`token id ${token} is outside the vocabulary (0..${vocabSize - 1})`);
      }
    }
    const skip = request.skip;
    if (skip) checkMask(skip, numLayers);
    const usePlain = Boolean(request.plain);
    if (usePlain) {
      if (!this.loadPlain)
        throw new Error('this bundle has no plain graph (convert it with the plain graph)');
      if (skip && (skip.attn.some(Boolean) || skip.ffn.some(Boolean))) {
        throw new Error('the plain graph cannot skip sub-layers');
      }
      if (request.withCosines) throw new Error('the plain graph has no cosine outputs');
    }
    const t = tokens.length;
    const start = sequence.length;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (x) => BigInt(x)),
        [1, t],
      ),
      position_ids: new ort.Tensor(
        'int64',
        BigInt64Array.from(tokens, (_, i) => BigInt(start + i)),
        [1, t],
      ),
      logits_to_keep: new ort.Tensor(
        'int64',
        BigInt64Array.from([BigInt(request.allLogits ? t : 1)]),
        [1],
      ),
    };
    if (!usePlain) {
      feeds.skip_attn = new ort.Tensor(
        'bool',
        Uint8Array.from(skip?.attn ?? Array(numLayers).fill(false), Number),
        [numLayers],
      );
      feeds.skip_ffn = new ort.Tensor(
        'bool',
        Uint8Array.from(skip?.ffn ?? Array(numLayers).fill(false), Number),
        [numLayers],
      );
    }
    for (let j = 0; j < numLayers; j++) {
      const pastKey = sequence.keys[j] as ort.Tensor;
      feeds[`past_key.${j}`] = pastKey;
      feeds[`past_value.${j}`] = sequence.values[j] as ort.Tensor;
      if (this.fused) {
        // GroupQueryAttention's lengths, per layer: each layer's cache has its own.
        const total = (pastKey.dims[2] as number) + t;
        feeds[`seqlens_k.${j}`] = new ort.Tensor('int32', Int32Array.of(total - 1), [1]);
        feeds[`total_sequence_length.${j}`] = new ort.Tensor('int32', Int32Array.of(total), [1]);
      }
    }
    const withCosines = Boolean(request.withCosines) && !usePlain;
    const session = await this.sessionFor(usePlain, withCosines);
    const outputs = await session.run(feeds, this.fetched(session, withCosines));
    sequence.extend(
      start,
      t,
      Array.from({ length: numLayers }, (_, j) => outputs[`present_key.${j}`] as ort.Tensor),
      Array.from({ length: numLayers }, (_, j) => outputs[`present_value.${j}`] as ort.Tensor),
    );
    const logits = outputs.logits as ort.Tensor;
    const result: StepResult = {
      logits: logits.data as Float32Array,
      positions: logits.dims[1] as number,
      ...(withCosines
        ? {
            cosAttn: perLayer(outputs.cos_attn as ort.Tensor, numLayers, t),
            cosFfn: perLayer(outputs.cos_ffn as ort.Tensor, numLayers, t),
          }
        : {}),
    };
    return result;
  }

  /** The graph a step runs on: plain, search (for cosines) or the gated run graph. */
  private async sessionFor(plain: boolean, withCosines: boolean): Promise<ort.InferenceSession> {
    if (plain && this.loadPlain) {
      this.plain ??= this.loadPlain();
      return this.plain;
    }
    if (withCosines && this.loadSearch) {
      this.search ??= this.loadSearch();
      return this.search;
    }
    return this.gated;
  }

  /**
   * The outputs a step fetches: the cosines only when asked for (a version-1 gated graph
   * still computes them, inside its `If` branches, but they are not copied out).
   */
  private fetched(session: ort.InferenceSession, withCosines: boolean): readonly string[] {
    return withCosines
      ? session.outputNames
      : session.outputNames.filter((name) => name !== 'cos_attn' && name !== 'cos_ffn');
  }

  async dispose(): Promise<void> {
    await this.gated.release();
    if (this.plain) await (await this.plain).release();
    if (this.search) await (await this.search).release();
  }
}

function perLayer(tensor: ort.Tensor, layers: number, tokens: number): Float32Array[] {
  const data = tensor.data as Float32Array;
  return Array.from({ length: layers }, (_, j) => data.slice(j * tokens, (j + 1) * tokens));
}

function checkMask(mask: SkipMask, numLayers: number): void {
  if (mask.attn.length !== numLayers || mask.ffn.length !== numLayers) {
    throw new RangeError(
      `a skip mask needs ${numLayers} attention and ${numLayers} feed-forward flags, got ${mask.attn.length} and ${mask.ffn.length}`,
    );
  }
}

function sessionOptions(
  provider: NodeExecutionProvider,
  threads: number | undefined,
  quantization: BundleSource['manifest']['quantization'],
): ort.InferenceSession.SessionOptions {
  // onnxruntime's QDQ rewrite of DequantizeLinear -> MatMul looks for the weight in the
  // If branch itself and fails on outer-scope weights; int8 bundles run the plain ops.
  const qdq = quantization === 'int8' ? { disable_quant_qdq: '1' } : {};
  return {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // Explicit threads and no spinning: spinning threads burn the cores other work needs.
    intraOpNumThreads: threads ?? Math.max(1, Math.min(4, availableParallelism())),
    interOpNumThreads: 1,
    extra: {
      session: { ...qdq, intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
    },
  };
}

/**
 * onnxruntime-node: tries the requested execution providers in order (`cpu` when none is
 * given; pass e.g. `['cuda', 'cpu']`) and reports why each that failed could not be used:
 * onnxruntime does not fall back by itself.
 */
export const nodeBackend: Backend = {
  async init() {
    const supported = ort.listSupportedBackends?.() ?? [];
    if (Array.isArray(supported) && supported.length === 0)
      throw new Error('onnxruntime-node lists no execution providers');
  },

  async load(bundle: BundleSource, options: LoadOptions = {}): Promise<ModelSession> {
    const requested = options.executionProviders ?? ['cpu'];
    const failures: string[] = [];
    // From disk when the bundle is local (external weights are then found beside the
    // graph); otherwise from bytes, which needs the weights inside the graph.
    const create = async (
      graph: { file: string; externalData: string | null },
      opts: ort.InferenceSession.SessionOptions,
    ) => {
      if (bundle.pathOf) return ort.InferenceSession.create(bundle.pathOf(graph.file), opts);
      if (graph.externalData) {
        throw new Error(
          `${bundle.location}: a bundle with external weights must be opened from disk`,
        );
      }
      return ort.InferenceSession.create(await bundle.readFile(graph.file), opts);
    };
    for (const name of requested) {
      if (!(NODE_EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
        failures.push(
          `${name}: not an onnxruntime-node execution provider (${NODE_EXECUTION_PROVIDERS.join(', ')})`,
        );
        continue;
      }
      const provider = name as NodeExecutionProvider;
      try {
        const opts = sessionOptions(provider, options.threads, bundle.manifest.quantization);
        const gated = await create(bundle.manifest.graphs.gated, opts);
        const plainGraph = bundle.manifest.graphs.plain;
        const loadPlain = plainGraph ? () => create(plainGraph, opts) : null;
        const searchGraph = bundle.manifest.graphs.search;
        const loadSearch = searchGraph ? () => create(searchGraph, opts) : null;
        return new NodeModelSession(bundle.manifest, provider, gated, loadPlain, loadSearch);
      } catch (error) {
        failures.push(
          `${provider}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
    throw new Error(
      `cannot load ${bundle.location} with onnxruntime-node:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
  },
};

/** Versions of the runtime that runs the model here, for a profile's provenance. */
export function nodeRuntimeVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const [name, version] of Object.entries(ort.env.versions)) {
    if (typeof version === 'string') versions[`onnxruntime-${name}`] = version;
  }
  return versions;
}
