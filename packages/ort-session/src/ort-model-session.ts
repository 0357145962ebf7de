import type {
  BundleGraph,
  BundleManifest,
  ModelSession,
  Sequence,
  SkipMask,
  StepRequest,
  StepResult,
} from '@litestage/core';
import { DeviceCacheSlicer } from './device-cache-slicer.js';
import { InPlaceSequence } from './in-place-sequence.js';
import type {
  OrtInferenceSession,
  OrtNamespace,
  OrtSessionOptions,
  OrtTensor,
} from './ort-namespace.js';
import { OrtSequence } from './ort-sequence.js';

/** What a backend says when it opens a bundle on one execution provider. */
export interface OrtModelSessionOptions {
  /** The onnxruntime package's namespace (`onnxruntime-node`, `onnxruntime-web`). */
  readonly ort: OrtNamespace;
  /** The backend's name, as `ModelSession.backend` reports it (`node`, `web`). */
  readonly backend: string;
  readonly executionProvider: string;
  readonly manifest: BundleManifest;
  /** The backend's session options for this provider (threads, graph optimization, ...). */
  readonly sessionOptions: OrtSessionOptions;
  /**
   * Keep every `present_key.j` / `present_value.j` output on the device as a `gpu-buffer`
   * tensor and feed it back as the next step's past (WebGPU); otherwise caches come back to
   * the host after each step.
   */
  readonly deviceCaches: boolean;
  /**
   * Keep each sequence's K/V in place once its longest cache reaches this many positions (0:
   * from the start): one host buffer per layer, fed as past and fetched into as present
   * (GroupQueryAttention's shared-buffer mode), for runtimes that write into pre-allocated
   * outputs (onnxruntime-node on the CPU). Only for bundles `inPlaceCacheRefusal` accepts.
   * Omitted: caches are copied out after every step.
   */
  readonly inPlaceFrom?: number | undefined;
  /**
   * Run steps that skip nothing (and want no cosines) on the plain graph, when the bundle has
   * one: the gates' cost is then not paid at full depth. Default false.
   */
  readonly plainAtFullDepth?: boolean;
  /** Creates an onnxruntime session for one of the bundle's graphs (from a path or bytes). */
  createSession(graph: BundleGraph, options: OrtSessionOptions): Promise<OrtInferenceSession>;
}

/**
 * Opens a bundle's gated graph on one execution provider and returns its `ModelSession`;
 * the plain and search graphs are created on first use. Both onnxruntime backends run
 * their sessions through this, so feeds, caches and outputs are handled in one place.
 */
export async function openOrtModelSession(options: OrtModelSessionOptions): Promise<ModelSession> {
  const { manifest, deviceCaches } = options;
  const inPlaceFrom = options.inPlaceFrom ?? null;
  if (inPlaceFrom !== null) {
    const refusal = deviceCaches
      ? 'K/V caches kept on the device cannot also be kept in host buffers'
      : inPlaceCacheRefusal(manifest);
    if (refusal) throw new Error(`cannot keep K/V in place: ${refusal}`);
  }
  const sessionOptions = deviceCaches
    ? { ...options.sessionOptions, ...deviceCacheOutputs(manifest.numLayers) }
    : options.sessionOptions;
  const create = (graph: BundleGraph) => options.createSession(graph, sessionOptions);
  const gated = await create(manifest.graphs.gated);
  const plainGraph = manifest.graphs.plain;
  const searchGraph = manifest.graphs.search;
  try {
    const slicer = deviceCaches
      ? await DeviceCacheSlicer.create(options.ort, options.executionProvider)
      : null;
    return new OrtModelSession(
      options.ort,
      options.backend,
      manifest,
      options.executionProvider,
      gated,
      plainGraph ? () => create(plainGraph) : null,
      searchGraph ? () => create(searchGraph) : null,
      slicer,
      inPlaceFrom,
      Boolean(options.plainAtFullDepth),
    );
  } catch (error) {
    await gated.release();
    throw error;
  }
}

/**
 * Why a bundle's graphs cannot keep K/V in place, or null when they can: the standard graph
 * concatenates caches itself, and a `propagate` bundle's skipped attention appends by
 * concatenation, so neither can write into a buffer of fixed length.
 */
export function inPlaceCacheRefusal(
  manifest: Pick<BundleManifest, 'graphFlavour' | 'propagateKv'>,
): string | null {
  if (manifest.graphFlavour !== 'fused') {
    return 'the bundle has standard-op graphs (only GroupQueryAttention, in the fused graph, shares past and present)';
  }
  if (manifest.propagateKv) {
    return 'the bundle is built for the propagate KV policy (its skipped attention appends K/V by concatenation)';
  }
  return null;
}

/** Every present K/V output stays on the device; everything else comes back. */
function deviceCacheOutputs(numLayers: number): Pick<OrtSessionOptions, 'preferredOutputLocation'> {
  const locations: Record<string, 'gpu-buffer'> = {};
  for (let j = 0; j < numLayers; j++) {
    locations[`present_key.${j}`] = 'gpu-buffer';
    locations[`present_value.${j}`] = 'gpu-buffer';
  }
  return { preferredOutputLocation: locations };
}

/**
 * A loaded bundle on one execution provider. K/V caches come back to the host after every
 * step unless the session keeps them on the device (WebGPU), where only logits (and
 * cosines, when asked for) come back. Outputs are never pre-allocated: onnxruntime-web
 * ignores pre-allocated output tensors (it returns them unwritten).
 */
class OrtModelSession implements ModelSession {
  constructor(
    private readonly ort: OrtNamespace,
    readonly backend: string,
    readonly manifest: BundleManifest,
    readonly executionProvider: string,
    private readonly gated: OrtInferenceSession,
    /** The plain graph is loaded on first use: most runs never need it. */
    private readonly loadPlain: (() => Promise<OrtInferenceSession>) | null,
    /**
     * The search graph (cosine outputs), loaded on the first step that asks for cosines;
     * null for version-1 bundles, whose gated graph has the cosine outputs itself.
     */
    private readonly loadSearch: (() => Promise<OrtInferenceSession>) | null,
    /** Slices device caches for truncation; null where caches are host tensors. */
    private readonly slicer: DeviceCacheSlicer | null,
    /** From which cache length sequences keep K/V in place (`InPlaceSequence`); null: never. */
    private readonly inPlaceFrom: number | null,
    /** Whether a step that skips nothing runs the plain graph unless told otherwise. */
    private readonly plainAtFullDepth: boolean,
  ) {
    this.fused = manifest.graphFlavour === 'fused';
  }

  /** The fused graphs take each layer's sequence lengths besides its cache. */
  private readonly fused: boolean;
  private plain: Promise<OrtInferenceSession> | null = null;
  private search: Promise<OrtInferenceSession> | null = null;

  createSequence(): Sequence {
    if (this.inPlaceFrom !== null) {
      return new InPlaceSequence(
        this.ort,
        this,
        this.manifest.numLayers,
        this.manifest.numKvHeads,
        this.manifest.headDim,
        this.manifest.maxPositions,
        this.inPlaceFrom,
      );
    }
    return new OrtSequence(
      this.ort,
      this,
      this.manifest.numLayers,
      this.manifest.numKvHeads,
      this.manifest.headDim,
    );
  }

  async step(sequence: Sequence, request: StepRequest): Promise<StepResult> {
    // A sequence's caches may live on another session's device: never feed them here.
    const ours = sequence instanceof OrtSequence || sequence instanceof InPlaceSequence;
    if (!ours || sequence.owner !== this)
      throw new Error('this sequence belongs to another session');
    if (sequence instanceof OrtSequence ? sequence.keys.length === 0 : sequence.isDisposed)
      throw new Error('this sequence was disposed');
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
    const skipsNothing = !skip || !(skip.attn.some(Boolean) || skip.ffn.some(Boolean));
    const usePlain =
      request.plain ??
      (this.plainAtFullDepth && skipsNothing && !request.withCosines && this.loadPlain !== null);
    if (request.plain) {
      if (!this.loadPlain)
        throw new Error('this bundle has no plain graph (convert it with the plain graph)');
      if (skip && (skip.attn.some(Boolean) || skip.ffn.some(Boolean))) {
        throw new Error('the plain graph cannot skip sub-layers');
      }
      if (request.withCosines) throw new Error('the plain graph has no cosine outputs');
    }
    if (sequence instanceof OrtSequence) await sequence.settle(this.slicer);
    const inPlace = sequence instanceof InPlaceSequence && sequence.prepare(tokens.length);
    const { Tensor } = this.ort;
    const t = tokens.length;
    const start = sequence.length;
    const feeds: Record<string, OrtTensor> = {
      input_ids: new Tensor(
        'int64',
        BigInt64Array.from(tokens, (x) => BigInt(x)),
        [1, t],
      ),
      position_ids: new Tensor(
        'int64',
        BigInt64Array.from(tokens, (_, i) => BigInt(start + i)),
        [1, t],
      ),
      logits_to_keep: new Tensor(
        'int64',
        BigInt64Array.from([BigInt(request.allLogits ? t : 1)]),
        [1],
      ),
    };
    if (!usePlain) {
      feeds.skip_attn = new Tensor(
        'bool',
        Uint8Array.from(skip?.attn ?? Array(numLayers).fill(false), Number),
        [numLayers],
      );
      feeds.skip_ffn = new Tensor(
        'bool',
        Uint8Array.from(skip?.ffn ?? Array(numLayers).fill(false), Number),
        [numLayers],
      );
    }
    const withCosines = Boolean(request.withCosines) && !usePlain;
    const session = await this.sessionFor(usePlain, withCosines);
    const fetches = this.fetched(session, withCosines);
    let outputs: Record<string, OrtTensor>;
    if (inPlace && sequence instanceof InPlaceSequence) {
      const into: Record<string, OrtTensor | null> = {};
      for (const name of fetches) into[name] = null;
      for (let j = 0; j < numLayers; j++) {
        const layer = sequence.layer(j);
        this.feedCache(feeds, j, layer.key, layer.value, layer.length, t);
        // Present aliases past: GroupQueryAttention writes the new K/V into the buffer.
        into[`present_key.${j}`] = layer.key;
        into[`present_value.${j}`] = layer.value;
      }
      outputs = (await session.run(feeds, into)) as Record<string, OrtTensor>;
      // A skipped attention sub-layer passes its cache through (in-place bundles never propagate).
      sequence.extendInPlace(
        start,
        t,
        Array.from({ length: numLayers }, (_, j) => usePlain || !skip?.attn[j]),
      );
    } else {
      for (let j = 0; j < numLayers; j++) {
        const key = sequence.keys[j] as OrtTensor;
        const value = sequence.values[j] as OrtTensor;
        this.feedCache(feeds, j, key, value, key.dims[2] as number, t);
      }
      outputs = (await session.run(feeds, fetches)) as Record<string, OrtTensor>;
      sequence.extend(
        start,
        t,
        Array.from({ length: numLayers }, (_, j) => outputs[`present_key.${j}`] as OrtTensor),
        Array.from({ length: numLayers }, (_, j) => outputs[`present_value.${j}`] as OrtTensor),
      );
    }
    const logits = outputs.logits as OrtTensor;
    return {
      logits: logits.data as Float32Array,
      positions: logits.dims[1] as number,
      ...(withCosines
        ? {
            cosAttn: perLayer(outputs.cos_attn as OrtTensor, numLayers, t),
            cosFfn: perLayer(outputs.cos_ffn as OrtTensor, numLayers, t),
          }
        : {}),
    };
  }

  /** Layer `j`'s past K/V, and for the fused graphs its lengths (each layer has its own). */
  private feedCache(
    feeds: Record<string, OrtTensor>,
    j: number,
    key: OrtTensor,
    value: OrtTensor,
    pastLength: number,
    tokens: number,
  ): void {
    feeds[`past_key.${j}`] = key;
    feeds[`past_value.${j}`] = value;
    if (!this.fused) return;
    const { Tensor } = this.ort;
    const total = pastLength + tokens;
    feeds[`seqlens_k.${j}`] = new Tensor('int32', Int32Array.of(total - 1), [1]);
    feeds[`total_sequence_length.${j}`] = new Tensor('int32', Int32Array.of(total), [1]);
  }

  /** The graph a step runs on: plain, search (for cosines) or the gated run graph. */
  private async sessionFor(plain: boolean, withCosines: boolean): Promise<OrtInferenceSession> {
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
  private fetched(session: OrtInferenceSession, withCosines: boolean): readonly string[] {
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

function perLayer(tensor: OrtTensor, layers: number, tokens: number): Float32Array[] {
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
