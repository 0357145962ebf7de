import type { OrtNamespace, OrtTensor } from './ort-namespace.js';

/**
 * After a step of `count` tokens from `start` whose presents replace the caches: each layer
 * whose cache grew by `count` holds those positions now (a skipped attention sub-layer passes
 * its cache through, so it grew by 0); any other growth is a graph error.
 */
export function recordAppended(
  held: number[][],
  pastKeys: readonly OrtTensor[],
  presentKeys: readonly OrtTensor[],
  start: number,
  count: number,
): void {
  for (let j = 0; j < held.length; j++) {
    const added = (presentKeys[j]?.dims[2] as number) - (pastKeys[j]?.dims[2] as number);
    if (added === count) for (let p = 0; p < count; p++) held[j]?.push(start + p);
    else if (added !== 0)
      throw new Error(`layer ${j} appended ${added} cache entries for ${count} tokens`);
  }
}

/** Drops the positions from `length` on (they come last); returns how many are kept. */
export function keepBefore(positions: number[], length: number): number {
  let keep = positions.length;
  while (keep > 0 && (positions[keep - 1] as number) >= length) keep--;
  positions.length = keep;
  return keep;
}

/**
 * A host `[1, kvHeads, positions, headDim]` cache holding the first `keep` entries of every
 * head of `tensor` (the rest zero); `tensor` itself when it already has `positions`.
 */
export function resizedCache(
  ort: OrtNamespace,
  tensor: OrtTensor,
  positions: number,
  keep: number,
): OrtTensor {
  const [, kvHeads, old, headDim] = tensor.dims as [number, number, number, number];
  if (positions === old) return tensor;
  const source = tensor.data as Float32Array;
  const data = new Float32Array(kvHeads * positions * headDim);
  for (let h = 0; h < kvHeads; h++) {
    data.set(
      source.subarray(h * old * headDim, (h * old + keep) * headDim),
      h * positions * headDim,
    );
  }
  return new ort.Tensor('float32', data, [1, kvHeads, positions, headDim]);
}
