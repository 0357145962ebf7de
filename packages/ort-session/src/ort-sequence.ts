import type { Sequence } from '@litestage/core';
import type { DeviceCacheSlicer } from './device-cache-slicer.js';
import { keepBefore, recordAppended, resizedCache } from './kv-cache-entries.js';
import type { OrtNamespace, OrtTensor } from './ort-namespace.js';

/**
 * One sequence's K/V caches. On the host (CPU, CUDA in Node, wasm) they are plain tensors; on
 * WebGPU they stay on the device (`gpu-buffer` tensors, never read back: `getData()` on one
 * aborts Node), so a truncation there is recorded and applied by a slice on the device
 * before the next step.
 */
export class OrtSequence implements Sequence {
  length = 0;
  keys: OrtTensor[] = [];
  values: OrtTensor[] = [];
  /** Per layer, the positions its cache holds, in order (fewer where attention was skipped). */
  held: number[][] = [];
  /** Per layer, how many device cache entries to keep at the next step, or null for all. */
  private pendingKeep: (number | null)[] = [];

  constructor(
    private readonly ort: OrtNamespace,
    /** The session that made it: its caches live on that session's device. */
    readonly owner: object,
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
  extend(start: number, count: number, presentKeys: OrtTensor[], presentValues: OrtTensor[]): void {
    recordAppended(this.held, this.keys, presentKeys, start, count);
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
      const keep = keepBefore(this.held[j] as number[], length);
      const key = this.keys[j] as OrtTensor;
      if (key.location === 'gpu-buffer') {
        this.pendingKeep[j] = keep;
      } else {
        this.keys[j] = resizedCache(this.ort, key, keep, keep);
        this.values[j] = resizedCache(this.ort, this.values[j] as OrtTensor, keep, keep);
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
      const key = this.keys[j] as OrtTensor;
      const value = this.values[j] as OrtTensor;
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

  private emptyCache(): OrtTensor {
    return new this.ort.Tensor('float32', new Float32Array(0), [1, this.kvHeads, 0, this.headDim]);
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
