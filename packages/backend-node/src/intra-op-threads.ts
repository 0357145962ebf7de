/**
 * Bytes of weights read per decode token below which one intra-op thread decodes fastest on
 * the CPU: a small model's step is kernel dispatch, which a second thread only slows down,
 * and on a machine whose cores other work shares a thread that is descheduled stalls every
 * kernel it takes part in. Measured with tooling/bench's `threads-by-size` (figures in its
 * README): on 2 shared cores one thread was faster at every size from 12.7 MiB (the demo
 * reasoner) to 3.7 GiB per token (TinyLlama-shaped, fp32), fp32 and int4, so the threshold
 * sits just above the largest model measured; more threads are the default only beyond it.
 */
export const MULTI_THREAD_BYTES_PER_TOKEN = 4 * 2 ** 30;

/** The most intra-op threads chosen by default: beyond four, decode stops gaining here. */
const MAX_DEFAULT_THREADS = 4;

/**
 * The intra-op threads a CPU session gets when the caller does not say: one below
 * `MULTI_THREAD_BYTES_PER_TOKEN` bytes of weights per decode token, otherwise every core up to
 * four. `bytesPerToken` is null when the bundle does not say its shape; it then gets the
 * multi-threaded default.
 */
export function defaultIntraOpThreads(bytesPerToken: number | null, cores: number): number {
  const many = Math.max(1, Math.min(MAX_DEFAULT_THREADS, Math.floor(cores)));
  if (bytesPerToken !== null && bytesPerToken < MULTI_THREAD_BYTES_PER_TOKEN) return 1;
  return many;
}
