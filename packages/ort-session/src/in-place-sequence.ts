import type { Sequence } from '@litestage/core';
import { keepBefore, recordAppended, resizedCache } from './kv-cache-entries.js';
import type { OrtNamespace, OrtTensor } from './ort-namespace.js';

/**
 * How many positions a sequence's in-place buffers grow by. onnxruntime-node 1.30 copies
 * every fetched output back into a new JavaScript buffer, the whole buffer, so a buffer much
 * longer than its cache costs more per step than it saves: growing in small steps keeps that
 * copy close to the cache's own length (measured: 16 positions beat 64 at a 64-token context).
 */
export const IN_PLACE_GROWTH = 16;

/**
 * The cache length from which a sequence keeps K/V in place when the caller does not choose:
 * below it copying measured as fast or faster (tooling/bench `kv-in-place`, demo reasoner,
 * paired against copying: in place 0.86-0.99x at a 64-token context, 0.94-1.05x at 96-128,
 * 1.01-1.15x at 256, 1.07-1.15x at 512).
 */
export const IN_PLACE_FROM = 128;

/**
 * One sequence's K/V caches, kept in place once they are long enough: every layer then has
 * one host buffer of `[1, kvHeads, capacity, headDim]`, fed as its past and fetched into as
 * its present, so GroupQueryAttention sees past and present share memory and writes only the
 * new tokens' K/V (its shared-buffer mode). Each layer's valid length is its own (skipped
 * attention sub-layers write nothing) and goes to the graph as `seqlens_k` /
 * `total_sequence_length`; a truncation only shortens those lengths. Until the longest cache
 * reaches `inPlaceFrom` positions the caches are copied as `OrtSequence`'s are (each step
 * returns new ones): short caches are cheaper to copy than to keep in place on
 * onnxruntime-node 1.30 (see `IN_PLACE_GROWTH`). Needs a runtime that writes into
 * pre-allocated outputs (onnxruntime-node; onnxruntime-web ignores them) and a graph whose
 * skipped attention passes the cache through unchanged (not a `propagate` bundle, whose skip
 * branch appends by concatenation).
 */
export class InPlaceSequence implements Sequence {
  length = 0;
  /** Per layer, the positions its cache holds, in order (fewer where attention was skipped). */
  held: number[][] = [];
  /**
   * Each layer's cache: exactly as long as it is while copied, a buffer of `capacity`
   * positions (the first `held[j].length` valid) once in place.
   */
  keys: OrtTensor[] = [];
  values: OrtTensor[] = [];
  /** Positions of every layer's buffer; 0 while the caches are copied. */
  private capacity = 0;
  private disposed = false;

  constructor(
    private readonly ort: OrtNamespace,
    /** The session that made it. */
    readonly owner: object,
    private readonly numLayers: number,
    private readonly kvHeads: number,
    private readonly headDim: number,
    /** The model's context length: buffers never grow past it. */
    private readonly maxPositions: number,
    /** The cache length from which the caches are kept in place (0: from the start). */
    private readonly inPlaceFrom: number,
  ) {
    this.reset();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** Whether the caches are kept in place now. */
  get inPlace(): boolean {
    return this.capacity > 0;
  }

  layerLengths(): number[] {
    return this.held.map((positions) => positions.length);
  }

  reset(): void {
    this.length = 0;
    this.held = Array.from({ length: this.numLayers }, () => []);
    this.keys = Array.from({ length: this.numLayers }, () => this.tensor(0));
    this.values = Array.from({ length: this.numLayers }, () => this.tensor(0));
    this.capacity = 0;
  }

  /**
   * Readies the caches for `count` more tokens and says whether this step writes them in
   * place: moves the caches into buffers once the longest would reach `inPlaceFrom`, and
   * grows the buffers (keeping what they hold) when the tokens would not fit.
   */
  prepare(count: number): boolean {
    const needed = Math.max(0, ...this.layerLengths()) + count;
    if (!this.inPlace && needed < this.inPlaceFrom) return false;
    if (needed <= this.capacity) return true;
    const rounded = Math.ceil(needed / IN_PLACE_GROWTH) * IN_PLACE_GROWTH;
    const capacity = Math.max(needed, Math.min(rounded, this.maxPositions));
    this.keys = this.keys.map((t, j) =>
      resizedCache(this.ort, t, capacity, this.held[j]?.length ?? 0),
    );
    this.values = this.values.map((t, j) =>
      resizedCache(this.ort, t, capacity, this.held[j]?.length ?? 0),
    );
    this.capacity = capacity;
    return true;
  }

  /** Layer `j`'s cache (in place: its buffer, the past and the present of a step) and valid length. */
  layer(j: number): { key: OrtTensor; value: OrtTensor; length: number } {
    return {
      key: this.keys[j] as OrtTensor,
      value: this.values[j] as OrtTensor,
      length: this.held[j]?.length ?? 0,
    };
  }

  /**
   * Records a step written in place, `count` tokens from `start`: the layers whose attention
   * ran hold them now.
   */
  extendInPlace(start: number, count: number, attentionRan: readonly boolean[]): void {
    for (let j = 0; j < this.numLayers; j++) {
      if (!attentionRan[j]) continue;
      const positions = this.held[j] as number[];
      for (let p = 0; p < count; p++) positions.push(start + p);
    }
    this.length = start + count;
  }

  /** Records a step whose caches were copied: the step's presents replace the caches. */
  extend(start: number, count: number, presentKeys: OrtTensor[], presentValues: OrtTensor[]): void {
    recordAppended(this.held, this.keys, presentKeys, start, count);
    this.keys = presentKeys;
    this.values = presentValues;
    this.length = start + count;
  }

  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.length) {
      throw new RangeError(`cannot truncate a sequence of ${this.length} tokens to ${length}`);
    }
    for (let j = 0; j < this.numLayers; j++) {
      const keep = keepBefore(this.held[j] as number[], length);
      // Copied caches are cut; buffers keep their entries, past the valid length unread.
      if (!this.inPlace) {
        this.keys[j] = resizedCache(this.ort, this.keys[j] as OrtTensor, keep, keep);
        this.values[j] = resizedCache(this.ort, this.values[j] as OrtTensor, keep, keep);
      }
    }
    this.length = length;
  }

  dispose(): void {
    this.disposed = true;
    this.keys = [];
    this.values = [];
    this.held = [];
    this.capacity = 0;
  }

  private tensor(positions: number): OrtTensor {
    return new this.ort.Tensor(
      'float32',
      new Float32Array(this.kvHeads * positions * this.headDim),
      [1, this.kvHeads, positions, this.headDim],
    );
  }
}
