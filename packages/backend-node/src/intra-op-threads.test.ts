import { describe, expect, it } from 'vitest';
import { defaultIntraOpThreads, MULTI_THREAD_BYTES_PER_TOKEN } from './intra-op-threads.js';

describe('defaultIntraOpThreads', () => {
  it('gives one thread to a model below the threshold, whatever the cores', () => {
    expect(defaultIntraOpThreads(MULTI_THREAD_BYTES_PER_TOKEN - 1, 2)).toBe(1);
    // The demo reasoner (12.7 MiB) and a TinyLlama-shaped fp32 model (3.7 GiB).
    expect(defaultIntraOpThreads(13 * 2 ** 20, 16)).toBe(1);
    expect(defaultIntraOpThreads(3.8 * 2 ** 30, 16)).toBe(1);
  });

  it('gives every core, at most four, from the threshold on', () => {
    expect(defaultIntraOpThreads(MULTI_THREAD_BYTES_PER_TOKEN, 2)).toBe(2);
    expect(defaultIntraOpThreads(8 * 2 ** 30, 16)).toBe(4);
    expect(defaultIntraOpThreads(8 * 2 ** 30, 3)).toBe(3);
  });

  it('never asks for fewer than one thread, and gives the multi-threaded default to an unknown size', () => {
    expect(defaultIntraOpThreads(8 * 2 ** 30, 1)).toBe(1);
    expect(defaultIntraOpThreads(8 * 2 ** 30, 0)).toBe(1);
    expect(defaultIntraOpThreads(null, 8)).toBe(4);
  });
});
