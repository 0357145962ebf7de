/**
 * The contract every backend implements (onnxruntime-node, onnxruntime-web, ...). The
 * engine and the searcher only ever talk to these interfaces.
 */

/** What a backend needs to know about a bundle to run it; `@litestage/model` reads it. */
export interface BundleManifest {
  readonly format: 'litestage-bundle';
  /**
   * 2 adds `graphs.search` (a version-1 bundle's gated graph carries the cosine outputs);
   * 3 adds `graphFlavour`.
   */
  readonly formatVersion: 1 | 2 | 3;
  readonly name: string;
  readonly architecture: string;
  readonly numLayers: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly vocabSize: number;
  readonly maxPositions: number;
  /** `sha256:<hex>` over the config and the weights as converted. */
  readonly fingerprint: string;
  readonly dtype: 'fp32' | 'fp16';
  readonly quantization: 'none' | 'int8' | 'int4';
  readonly graphs: {
    /**
     * The `If`-gated graph with skip inputs, for runs: without cosine outputs when the bundle
     * has a search graph, with them in bundles older than the search graph.
     */
    readonly gated: BundleGraph;
    /**
     * The gated graph plus the per-sub-layer cosine outputs the search's ranking reads
     * (same weights); absent in version-1 bundles.
     */
    readonly search?: BundleGraph;
    /** The same weights without gates or cosines, when built (for measuring what gating costs). */
    readonly plain: BundleGraph | null;
  };
  /**
   * The ops the bundle's graphs are made of: `fused` (onnxruntime contrib ops; each layer's
   * `seqlens_k.{j}` / `total_sequence_length.{j}` are fed besides its cache) or `standard`
   * (standard ONNX ops). Absent before format version 3: those bundles are `standard`.
   */
  readonly graphFlavour?: 'fused' | 'standard';
  /** Whether a skipped attention sub-layer still writes its K/V (the `propagate` KV policy). */
  readonly propagateKv: boolean;
  readonly tokenizer: {
    readonly kind: 'llama2c' | 'huggingface';
    readonly file: string;
    readonly configFile: string | null;
  };
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
}

export interface BundleGraph {
  readonly file: string;
  /** External weights file shared by the graphs, or null when weights are inside the graph. */
  readonly externalData: string | null;
}

/** A bundle as a backend sees it: its manifest and a way to read its files. */
export interface BundleSource {
  readonly manifest: BundleManifest;
  /** Where the bundle lives (a folder path or a URL), for messages. */
  readonly location: string;
  readFile(name: string): Promise<Uint8Array>;
  /** A local file path, when the bundle is on disk (lets Node backends map files instead of copying). */
  pathOf?(name: string): string;
}

/** Which sub-layers one step skips, one flag per layer. */
export interface SkipMask {
  readonly attn: readonly boolean[];
  readonly ffn: readonly boolean[];
}

export interface StepRequest {
  /** New tokens to append to the sequence (the whole prompt for a prefill, one for a decode step). */
  readonly tokens: readonly number[];
  /** Sub-layers to skip; none when omitted. */
  readonly skip?: SkipMask;
  /** Return the per-token cosines of every sub-layer (for the search). */
  readonly withCosines?: boolean;
  /** Logits of every new position instead of the last only. */
  readonly allLogits?: boolean;
  /**
   * `true`: run the plain graph (no gates; `skip` must then be empty). `false`: the gated
   * graph, even when nothing is skipped. Omitted: the session's choice, which may be the
   * plain graph for a step that skips nothing (see `LoadOptions.fullDepthGraph`).
   */
  readonly plain?: boolean;
}

export interface StepResult {
  /** `[positions * vocab]`: the last position's logits, or every new position's with `allLogits`. */
  readonly logits: Float32Array;
  readonly positions: number;
  /** `[layer][token]` when requested. */
  readonly cosAttn?: Float32Array[];
  readonly cosFfn?: Float32Array[];
}

/** One sequence's state: its K/V caches (one per layer, lengths may differ) and position. */
export interface Sequence {
  /** Tokens processed so far: the position of the next token. */
  readonly length: number;
  /** Cache length of every layer. */
  layerLengths(): number[];
  /** Forgets everything: the next step starts at position 0. */
  reset(): void;
  /**
   * Forgets every position from `length` on: each layer keeps the cache entries of the
   * positions below it where it ran. The next step continues at `length`.
   */
  truncate(length: number): void;
  /** Releases the caches. */
  dispose(): void;
}

export interface ModelSession {
  readonly backend: string;
  readonly executionProvider: string;
  readonly manifest: BundleManifest;
  createSequence(): Sequence;
  /** Runs `request.tokens` after what `sequence` holds and extends its caches. */
  step(sequence: Sequence, request: StepRequest): Promise<StepResult>;
  dispose(): Promise<void>;
}

export interface LoadOptions {
  /** e.g. `cpu`, `cuda`, `webgpu`, `wasm`; the backend's own order when omitted. */
  readonly executionProviders?: readonly string[];
  /** CPU threads for one step (backend default when omitted). */
  readonly threads?: number;
  /**
   * How a sequence's K/V caches are kept between steps: `in-place` (one buffer per layer that
   * each step writes its new tokens into) or `copy` (each step returns new, longer caches).
   * Backend default when omitted; a backend or bundle that cannot keep them in place refuses
   * an explicit `in-place`.
   */
  readonly kvCache?: KvCacheMode;
  /**
   * Which graph runs a step that skips nothing: `plain` (no gates, whose cost is then not
   * paid at full depth; the plain graph's own copy of the weights is loaded on first use) or
   * `gated`. Backend default when omitted; a bundle without a plain graph always runs gated.
   */
  readonly fullDepthGraph?: FullDepthGraph;
}

export type KvCacheMode = 'in-place' | 'copy';
export type FullDepthGraph = 'plain' | 'gated';

export interface Backend {
  /** Checks that the backend can work here (its runtime loads); throws with the reason if not. */
  init(): Promise<void>;
  load(bundle: BundleSource, options?: LoadOptions): Promise<ModelSession>;
}
