import { describe, expect, it } from 'vitest';
import { seededUniform } from '../testing/tiny-checkpoints.js';
import {
  bfloat16BytesToFloat32,
  bfloat16ToFloat32,
  float16BytesToFloat32,
  float16ToFloat32,
  float32BytesToFloat32,
  float32ToBfloat16Bits,
  float32ToBfloat16Bytes,
  float32ToFloat16Bits,
  float32ToFloat16Bytes,
  float32ToFloat32Bytes,
} from './float16.js';

const SMALLEST_SUBNORMAL = 2 ** -24;

describe('fp16', () => {
  it.each([
    [0x3c00, 1],
    [0xc000, -2],
    [0x7bff, 65504],
    [0xfbff, -65504],
    [0x0001, SMALLEST_SUBNORMAL],
    [0x03ff, 1023 * SMALLEST_SUBNORMAL],
    [0x0400, 2 ** -14],
    [0x3555, 0.333251953125],
    [0x0000, 0],
    [0x7c00, Number.POSITIVE_INFINITY],
    [0xfc00, Number.NEGATIVE_INFINITY],
  ])('decodes 0x%s', (bits, value) => {
    expect(float16ToFloat32(bits)).toBe(value);
    expect(float32ToFloat16Bits(value)).toBe(bits);
  });

  it('keeps the sign of zero and NaN as NaN', () => {
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(float16ToFloat32(0x7c01)).toBeNaN();
    const nanBits = float32ToFloat16Bits(Number.NaN);
    expect(nanBits & 0x7c00).toBe(0x7c00);
    expect(nanBits & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest, ties to even', () => {
    expect(float32ToFloat16Bits(0.1)).toBe(0x2e66); // 0.0999755859375
    expect(float16ToFloat32(0x2e66)).toBe(0.0999755859375);
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie: 0x3c00 is even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie: 0x3c02 is even
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01);
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // tie with "65536": rounds to infinity
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e6)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie with the smallest subnormal
    expect(float32ToFloat16Bits(2 ** -25 * 1.01)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie: 2 is even
    expect(float32ToFloat16Bits(2 ** -26)).toBe(0x0000);
    expect(float32ToFloat16Bits(1e-30)).toBe(0x0000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up to the smallest normal
  });

  it('round-trips every fp16 value', () => {
    // Mismatches are collected so 65536 checks cost one assertion.
    const mismatches: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const value = float16ToFloat32(bits);
      const back = float32ToFloat16Bits(value);
      const same = Number.isNaN(value) ? Number.isNaN(float16ToFloat32(back)) : back === bits;
      if (!same) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });

  it('matches a nearest-value search over all finite fp16 values', () => {
    // Independent reference: binary search among the sorted non-negative finite fp16 values.
    const finite = Array.from({ length: 0x7c00 }, (_, bits) => float16ToFloat32(bits));
    const reference = (x: number): number => {
      const magnitude = Math.abs(x);
      const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
      if (magnitude >= 65520) return sign | 0x7c00;
      let low = 0;
      let high = finite.length - 1;
      while (high - low > 1) {
        const mid = (low + high) >> 1;
        if ((finite[mid] as number) <= magnitude) low = mid;
        else high = mid;
      }
      const below = magnitude - (finite[low] as number);
      const above = (finite[high] as number) - magnitude;
      const bits = below < above ? low : above < below ? high : low % 2 === 0 ? low : high;
      return sign | bits;
    };
    const random = seededUniform(7);
    const scratch = new Float32Array(1);
    const mismatches: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Exponents from 2^-28 to 2^17 cover zero-rounding, subnormals, normals and overflow.
      scratch[0] = random() * 2 ** Math.floor((random() + 1) * 22.5 - 28);
      const x = scratch[0] as number;
      if (float32ToFloat16Bits(x) !== reference(x)) mismatches.push(x);
    }
    expect(mismatches).toEqual([]);
  });

  it('converts little-endian byte arrays both ways', () => {
    const values = new Float32Array([
      1,
      -2,
      65504,
      SMALLEST_SUBNORMAL,
      Number.POSITIVE_INFINITY,
      0.1,
    ]);
    const bytes = float32ToFloat16Bytes(values);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x3c, 0x00, 0xc0]);
    expect([...float16BytesToFloat32(bytes)]).toEqual([
      1,
      -2,
      65504,
      SMALLEST_SUBNORMAL,
      Number.POSITIVE_INFINITY,
      0.0999755859375,
    ]);
    expect(() => float16BytesToFloat32(new Uint8Array(3))).toThrow(/3 bytes/);
  });
});

describe('bf16', () => {
  it.each([
    [0x3f80, 1],
    [0xc000, -2],
    [0x7f80, Number.POSITIVE_INFINITY],
    [0xff80, Number.NEGATIVE_INFINITY],
    [0x0001, 2 ** -133], // smallest subnormal
    [0x7f7f, 3.3895313892515355e38], // largest finite
    [0x0000, 0],
  ])('decodes 0x%s', (bits, value) => {
    expect(bfloat16ToFloat32(bits)).toBe(value);
    expect(float32ToBfloat16Bits(value)).toBe(bits);
  });

  it('rounds to nearest, ties to even, and keeps NaN a NaN', () => {
    expect(float32ToBfloat16Bits(0.1)).toBe(0x3dcd); // 0x3dcccccd rounds up
    expect(bfloat16ToFloat32(0x3dcd)).toBe(0.10009765625);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie: 0x3f80 is even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie: 0x3f82 is even
    expect(float32ToBfloat16Bits(3.4e38)).toBe(0x7f80); // past the largest finite: infinity
    expect(bfloat16ToFloat32(float32ToBfloat16Bits(Number.NaN))).toBeNaN();
    // A NaN whose payload sits only in the dropped bits must not become infinity.
    const lowPayloadNan = new Float32Array(new Uint32Array([0x7f800001]).buffer)[0] as number;
    expect(bfloat16ToFloat32(float32ToBfloat16Bits(lowPayloadNan))).toBeNaN();
  });

  it('matches choosing the nearer of the two neighbouring bf16 values', () => {
    const random = seededUniform(11);
    const scratch = new Float32Array(1);
    const scratchBits = new Uint32Array(scratch.buffer);
    const mismatches: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      scratch[0] = random() * 2 ** Math.floor(random() * 60);
      const x = scratch[0] as number;
      const truncated = (scratchBits[0] as number) >>> 16;
      const down = bfloat16ToFloat32(truncated);
      const up = bfloat16ToFloat32(truncated + 1);
      const dDown = Math.abs(x - down);
      const dUp = Math.abs(up - x);
      const expected =
        dDown < dUp ? truncated : dUp < dDown ? truncated + 1 : truncated + (truncated & 1);
      if (float32ToBfloat16Bits(x) !== expected) mismatches.push(x);
    }
    expect(mismatches).toEqual([]);
  });

  it('converts little-endian byte arrays both ways', () => {
    const bytes = float32ToBfloat16Bytes(new Float32Array([1, -2, 0.1]));
    expect([...bytes]).toEqual([0x80, 0x3f, 0x00, 0xc0, 0xcd, 0x3d]);
    expect([...bfloat16BytesToFloat32(bytes)]).toEqual([1, -2, 0.10009765625]);
  });
});

describe('fp32 bytes', () => {
  it('round-trips, also from an unaligned offset', () => {
    const values = new Float32Array([1.5, -0.25, 3e-40]);
    const bytes = float32ToFloat32Bytes(values);
    expect([...bytes.subarray(0, 4)]).toEqual([0x00, 0x00, 0xc0, 0x3f]);
    expect(float32BytesToFloat32(bytes)).toEqual(values);
    const unaligned = new Uint8Array(bytes.length + 1);
    unaligned.set(bytes, 1);
    expect(float32BytesToFloat32(unaligned.subarray(1))).toEqual(values);
  });
});
