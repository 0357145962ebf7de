import { describe, expect, it } from 'vitest';
import {
  dequantizeInt4,
  dequantizeInt8Blocks,
  INT4_BLOCK_SIZES,
  quantizeInt4,
  quantizeInt8Blocks,
} from './quantize.js';

/** A deterministic `[out, in]` weight with a few large values, so blocks get different scales. */
function weight(out: number, inFeatures: number): Float32Array {
  return Float32Array.from({ length: out * inFeatures }, (_, i) =>
    i % 37 === 0 ? 3 * Math.cos(i) : Math.sin(i * 0.7) * 0.1,
  );
}

/** The largest error of each block against half its own step (scale / 2). */
function worstOverHalfStep(
  w: Float32Array,
  back: Float32Array,
  scales: Float32Array,
  inFeatures: number,
  blockSize: number,
): number {
  const blocks = Math.ceil(inFeatures / blockSize);
  let worst = 0;
  for (let i = 0; i < w.length; i++) {
    const o = Math.floor(i / inFeatures);
    const b = Math.floor((i % inFeatures) / blockSize);
    const half = (scales[o * blocks + b] as number) / 2;
    worst = Math.max(worst, Math.abs((w[i] as number) - (back[i] as number)) / half);
  }
  return worst;
}

describe('quantizeInt4', () => {
  it.each(INT4_BLOCK_SIZES)('rounds to the nearest step in blocks of %i', (blockSize) => {
    // 200 inputs: the last block of each row is zero-padded.
    const w = weight(5, 200);
    const q = quantizeInt4(w, 5, 200, blockSize);
    const blocks = Math.ceil(200 / blockSize);
    expect(q).toMatchObject({ blockSize, blocksPerRow: blocks });
    expect(q.packed.length).toBe(5 * blocks * (blockSize / 2));
    expect(q.scales.length).toBe(5 * blocks);
    const back = dequantizeInt4(q, 5, 200);
    expect(worstOverHalfStep(w, back, q.scales, 200, blockSize)).toBeLessThanOrEqual(1 + 1e-5);
  });

  it('loses more to larger blocks, whose scale follows the block largest value', () => {
    const w = weight(8, 256);
    const error = (blockSize: 32 | 256) => {
      const back = dequantizeInt4(quantizeInt4(w, 8, 256, blockSize), 8, 256);
      return back.reduce((sum, v, i) => sum + (v - (w[i] as number)) ** 2, 0);
    };
    expect(error(256)).toBeGreaterThan(error(32));
  });

  it('refuses a block size MatMulNBits does not take', () => {
    expect(() => quantizeInt4(weight(1, 48), 1, 48, 48 as never)).toThrow(
      /48 is not one of 16, 32, 64, 128, 256/,
    );
  });
});

describe('quantizeInt8Blocks', () => {
  it('stores q + 128 per byte with a scale per 32 inputs, padding with the zero point', () => {
    const w = weight(3, 70);
    const q = quantizeInt8Blocks(w, 3, 70);
    expect(q).toMatchObject({ blockSize: 32, blocksPerRow: 3 });
    expect(q.packed.length).toBe(3 * 3 * 32);
    // Row 0, block 2 holds inputs 64..69, then padding.
    expect(q.packed[2 * 32 + 6]).toBe(128);
    expect(Math.max(...q.packed)).toBeLessThanOrEqual(255);
    expect(Math.min(...q.packed)).toBeGreaterThanOrEqual(1);
    const back = dequantizeInt8Blocks(q, 3, 70);
    expect(worstOverHalfStep(w, back, q.scales, 70, 32)).toBeLessThanOrEqual(1 + 1e-5);
  });
});
