/** Index of the largest value (the first one on ties); -1 for an empty array. */
export function argmax(values: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v > bestValue || best === -1) {
      best = i;
      bestValue = v;
    }
  }
  return best;
}

/** log(sum(exp(values))), computed without overflow. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) max = Math.max(max, values[i] as number);
  if (max === -Infinity) return -Infinity;
  if (max === Infinity) return Infinity;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp((values[i] as number) - max);
  return max + Math.log(sum);
}

/** The largest softmax probability: exp(max - logSumExp), without building the distribution. */
export function maxSoftmaxProbability(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  if (max === -Infinity) return 0;
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp((logits[i] as number) - max);
  return 1 / sum;
}

/** Softmax into `out` (allocated only when not given), stable for any logits. */
export function softmax(
  logits: ArrayLike<number>,
  out: Float32Array = new Float32Array(logits.length),
): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] as number);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    const e = max === -Infinity ? 0 : Math.exp((logits[i] as number) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < logits.length; i++) out[i] = sum > 0 ? (out[i] as number) / sum : 0;
  return out;
}
