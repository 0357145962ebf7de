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
import { DeviceCacheSlicer } from './device-cache-slicer.js';

export const NODE_EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type NodeExecutionProvider = (typeof NODE_EXECUTION_PROVIDERS)[number];

/**
 * One sequence's K/V caches. On the CPU and CUDA they are host tensors; on WebGPU they stay
 * on the device (`gpu-buffer` tensors, never read back: `getData()` on one aborts Node), so
 * a truncation there is recorded and applied by a slice on the device before the next step.
 */
class NodeSequence implements Sequence {
  length = 0;
  keys: ort.Tensor[] = [];
  values: ort.Tensor[] = [];
  /** Per layer, the positions its cache holds, in order (fewer where attention was skipped). */
  held: number[][] = [];
  /** Per layer, how many device cache entries to keep at the next step, or null for all. */
  private pendingKeep: (number | null)[] = [];

  constructor(
    /** The session that made it: its caches live on that session's device. */
    readonly owner: NodeModelSession,
    private readonly numLayers: number,
    private readonly kvHeads: number,
    private readonly headDim: number,
  ) {
    this.reset();
  }

  layerLengths(): number[] {
    return this.keys.map((k, j) => this.pendingKeep[j] ?? (k.dims[2] as number));
  }

  reset(): void {
    this.release();
    this.length = 0;
    this.keys = Array.from({ length: this.numLayers }, () => this.emptyCache());
    this.values = Array.from({ length: this.numLayers }, () => this.emptyCache());
    this.held = Array.from({ length: this.numLayers }, () => []);
    this.pendingKeep = Array.from({ length: this.numLayers }, () => null);
  }

  /** Records what a step appended to each layer's cache; frees the caches it replaced. */
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
    this.release();
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
      const key = this.keys[j] as ort.Tensor;
      if (key.location === 'gpu-buffer') {
        this.pendingKeep[j] = keep;
      } else {
        this.keys[j] = this.cut(key, keep);
        this.values[j] = this.cut(this.values[j] as ort.Tensor, keep);
      }
    }
    this.length = length;
  }

  /** Applies recorded truncations of device caches (a slice on the device, no read-back). */
  async settle(slicer: DeviceCacheSlicer | null): Promise<void> {
    for (let j = 0; j < this.numLayers; j++) {
      const keep = this.pendingKeep[j];
      if (keep === null || keep === undefined) continue;
      if (!slicer) throw new Error('this session has no device slicer for its device caches');
      const key = this.keys[j] as ort.Tensor;
      const value = this.values[j] as ort.Tensor;
      if (keep < (key.dims[2] as number)) {
        // An empty cache is a host tensor, as at the start: nothing to keep on the device.
        this.keys[j] = keep === 0 ? this.emptyCache() : await slicer.keepFirst(key, keep);
        this.values[j] = keep === 0 ? this.emptyCache() : await slicer.keepFirst(value, keep);
        key.dispose();
        value.dispose();
      }
      this.pendingKeep[j] = null;
    }
  }

  private emptyCache(): ort.Tensor {
    return new ort.Tensor('float32', new Float32Array(0), [1, this.kvHeads, 0, this.headDim]);
  }

  /** The first `keep` entries of a host `[1, kvHeads, n, headDim]` cache. */
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

  /** Frees device caches (host ones are left to the garbage collector). */
  private release(): void {
    for (const tensor of [...this.keys, ...this.values]) {
      if (tensor.location === 'gpu-buffer') tensor.dispose();
    }
  }

  dispose(): void {
    this.release();
    this.keys = [];
    this.values = [];
    this.held = [];
    this.pendingKeep = [];
  }
}

/**
 * A loaded bundle on one onnxruntime-node execution provider. On the CPU and CUDA, K/V
 * caches come back to the host after every step (onnxruntime-node has no device-resident
 * outputs there); on WebGPU they stay on the device and only logits (and cosines, when
 * asked for) come back.
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
    /** Slices device caches for truncation; null where caches are host tensors. */
    private readonly slicer: DeviceCacheSlicer | null,
  ) {
    this.fused = manifest.graphFlavour === 'fused';
  }

  /** The fused graphs take each layer's sequence lengths besides its cache. */
  private readonly fused: boolean;
  private plain: Promise<ort.InferenceSession> | null = null;
  private search: Promise<ort.InferenceSession> | null = null;

  createSequence(): Sequence {
    return new NodeSequence(
      this,
      this.manifest.numLayers,
      this.manifest.numKvHeads,
      this.manifest.headDim,
    );
  }

  async step(sequence: Sequence, request: StepRequest): Promise<StepResult> {
    // A sequence's caches may live on another session's device: never feed them here.
    if (!(sequence instanceof NodeSequence) || sequence.owner !== this)
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
    await sequence.settle(this.slicer);
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
    await this.slicer?.release();
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

/** On WebGPU every present K/V output stays on the device; everything else comes back. */
function outputLocations(
  provider: NodeExecutionProvider,
  numLayers: number,
): Pick<ort.InferenceSession.SessionOptions, 'preferredOutputLocation'> {
  if (provider !== 'webgpu') return {};
  const locations: Record<string, ort.Tensor.DataLocation> = {};
  for (let j = 0; j < numLayers; j++) {
    locations[`present_key.${j}`] = 'gpu-buffer';
    locations[`present_value.${j}`] = 'gpu-buffer';
  }
  return { preferredOutputLocation: locations };
}

function sessionOptions(
  provider: NodeExecutionProvider,
  threads: number | undefined,
  manifest: BundleSource['manifest'],
): ort.InferenceSession.SessionOptions {
  const quantization = manifest.quantization;
  // onnxruntime's QDQ rewrite of DequantizeLinear -> MatMul looks for the weight in the
  // If branch itself and fails on outer-scope weights; int8 bundles run the plain ops.
  const qdq = quantization === 'int8' ? { disable_quant_qdq: '1' } : {};
  return {
    executionProviders: [provider],
    ...outputLocations(provider, manifest.numLayers),
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
 * onnxruntime does not fall back by itself. On `webgpu`, K/V caches stay on the device.
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
        const opts = sessionOptions(provider, options.threads, bundle.manifest);
        const gated = await create(bundle.manifest.graphs.gated, opts);
        const plainGraph = bundle.manifest.graphs.plain;
        const loadPlain = plainGraph ? () => create(plainGraph, opts) : null;
        const searchGraph = bundle.manifest.graphs.search;
        const loadSearch = searchGraph ? () => create(searchGraph, opts) : null;
        const slicer = provider === 'webgpu' ? await DeviceCacheSlicer.create(provider) : null;
        return new NodeModelSession(
          bundle.manifest,
          provider,
          gated,
          loadPlain,
          loadSearch,
          slicer,
        );
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
