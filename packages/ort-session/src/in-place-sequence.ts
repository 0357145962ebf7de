import type { Sequence } from '@litestage/core';
import type { OrtNamespace, OrtTensor } from './ort-namespace.js';

/**
 * How many positions a sequence's in-place buffers grow by. onnxruntime-node 1.30 copies
 * every fetched output back into a new JavaScript buffer, the whole buffer, so a buffer much
 * longer than its cache costs more per step than it saves: growing in small steps keeps that
 * copy close to the cache's own length (measured: 16 positions beat 64 at a 64-token context).
 */
export const IN_PLACE_GROWTH = 16;

/**
 * One sequence's K/V caches kept in place: every layer has one host buffer of
 * `[1, kvHeads, capacity, headDim]`, fed as its past and fetched into as its present, so
 * GroupQueryAttention sees past and present share memory and writes only the new tokens'
 * K/V (its shared-buffer mode). Each layer's valid length is its own (skipped attention
 * sub-layers write nothing) and goes to the graph as `seqlens_k` / `total_sequence_length`;
 * a truncation only shortens those lengths. Needs a runtime that writes into pre-allocated
 * outputs (onnxruntime-node; onnxruntime-web ignores them) and a graph whose skipped
 * attention passes the cache through unchanged (not a `propagate` bundle, whose skip branch
 * appends by concatenation).
 */
export class InPlaceSequence implements Sequence {
  length = 0;
  /** Per layer, the positions its cache holds, in order (fewer where attention was skipped). */
  held: number[][] = [];
  private keys: OrtTensor[] = [];
  private values: OrtTensor[] = [];
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
  ) {
    this.reset();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  layerLengths(): number[] {
    return this.held.map((positions) => positions.length);
  }

  reset(): void {
    this.length = 0;
    this.held = Array.from({ length: this.numLayers }, () => []);
  }

  /** Grows every layer's buffer, keeping what it holds, so `count` more tokens fit. */
  reserve(count: number): void {
    const longest = Math.max(0, ...this.layerLengths());
    const needed = longest + count;
    if (needed <= this.capacity) return;
    const rounded = Math.ceil(needed / IN_PLACE_GROWTH) * IN_PLACE_GROWTH;
    const capacity = Math.max(needed, Math.min(rounded, this.maxPositions));
    this.keys = this.keys.length
      ? this.keys.map((t, j) => this.regrow(t, capacity, this.held[j]?.length ?? 0))
      : Array.from({ length: this.numLayers }, () => this.buffer(capacity));
    this.values = this.values.length
      ? this.values.map((t, j) => this.regrow(t, capacity, this.held[j]?.length ?? 0))
      : Array.from({ length: this.numLayers }, () => this.buffer(capacity));
    this.capacity = capacity;
  }

  /** Layer `j`'s buffer (its past, and the present the step writes into) and valid length. */
  layer(j: number): { key: OrtTensor; value: OrtTensor; length: number } {
    return {
      key: this.keys[j] as OrtTensor,
      value: this.values[j] as OrtTensor,
      length: this.held[j]?.length ?? 0,
    };
  }

  /**
   * Records a step of `count` tokens from `start`: the layers whose attention ran hold them
   * now (the step wrote their K/V into the buffers).
   */
  extend(start: number, count: number, attentionRan: readonly boolean[]): void {
    for (let j = 0; j < this.numLayers; j++) {
      if (!attentionRan[j]) continue;
      const positions = this.held[j] as number[];
      for (let p = 0; p < count; p++) positions.push(start + p);
    }
    this.length = start + count;
  }

  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.length) {
      throw new RangeError(`cannot truncate a sequence of ${this.length} tokens to ${length}`);
    }
    for (const positions of this.held) {
      let keep = positions.length;
      while (keep > 0 && (positions[keep - 1] as number) >= length) keep--;
      positions.length = keep;
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

  private buffer(capacity: number): OrtTensor {
    return new this.ort.Tensor(
      'float32',
      new Float32Array(this.kvHeads * capacity * this.headDim),
      [1, this.kvHeads, capacity, this.headDim],
    );
  }

  /** A longer buffer with the first `keep` positions of every head of `tensor`. */
  private regrow(tensor: OrtTensor, capacity: number, keep: number): OrtTensor {
    const old = tensor.data as Float32Array;
    const oldCapacity = tensor.dims[2] as number;
    const grown = this.buffer(capacity);
    const data = grown.data as Float32Array;
    const d = this.headDim;
    for (let h = 0; h < this.kvHeads; h++) {
      data.set(old.subarray(h * oldCapacity * d, (h * oldCapacity + keep) * d), h * capacity * d);
    }
    return grown;
  }
}
