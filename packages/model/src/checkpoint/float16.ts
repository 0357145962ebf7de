/**
 * IEEE half precision (fp16) and bfloat16 conversions. No Node imports: the browser bundle
 * reads fp16 weights too. Byte arrays are little-endian, as safetensors and ONNX store them.
 */

// One scratch word, viewed both ways, to move bits between float32 and uint32 without a DataView.
const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function float32Bits(x: number): number {
  scratchFloat[0] = x;
  return scratchBits[0] as number;
}

function bitsToFloat32(bits: number): number {
  scratchBits[0] = bits;
  return scratchFloat[0] as number;
}

// Every fp16 value as float32: 256 KiB, built on first use, makes bulk conversion a lookup.
let float16Table: Float32Array | undefined;

function getFloat16Table(): Float32Array {
  if (float16Table) return float16Table;
  const table = new Float32Array(65536);
  const bits = new Uint32Array(table.buffer);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) {
      // Zero or subnormal: mantissa * 2^-24 is exact in float32.
      table[h] = (sign ? -1 : 1) * mantissa * 2 ** -24;
    } else if (exponent === 0x1f) {
      bits[h] = (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
    } else {
      bits[h] = (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
    }
  }
  float16Table = table;
  return table;
}

/** The float32 value of fp16 bits (the low 16 bits of `bits`). */
export function float16ToFloat32(bits: number): number {
  return getFloat16Table()[bits & 0xffff] as number;
}

/** The float32 value of bfloat16 bits (the low 16 bits of `bits`): the high half of a float32. */
export function bfloat16ToFloat32(bits: number): number {
  return bitsToFloat32((bits & 0xffff) << 16);
}

/**
 * fp16 bits of `x`, rounded to nearest even. Values past the fp16 range become infinity, tiny
 * values become subnormals or zero, and NaN stays a (quiet) NaN.
 */
export function float32ToFloat16Bits(x: number): number {
  const u = float32Bits(x);
  const sign = (u >>> 16) & 0x8000;
  const exponent = (u >>> 23) & 0xff;
  const mantissa = u & 0x7fffff;
  if (exponent === 0xff) {
    // Keep NaN a NaN even when its payload sits only in the low bits that are dropped.
    return sign | 0x7c00 | (mantissa === 0 ? 0 : 0x200 | (mantissa >>> 13));
  }
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 0x1f) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-25 everything rounds to zero (2^-25 itself is a tie, and zero is even).
    if (halfExponent < -10) return sign;
    // Subnormal: the 24-bit significand in units of 2^-24.
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    const halfway = 1 << (shift - 1);
    const remainder = significand & ((1 << shift) - 1);
    let half = significand >>> shift;
    if (remainder > halfway || (remainder === halfway && (half & 1) === 1)) half++;
    // A carry out of the subnormal range lands on the smallest normal, which is the right bits.
    return sign | half;
  }
  let half = (halfExponent << 10) | (mantissa >>> 13);
  const remainder = mantissa & 0x1fff;
  // A carry ripples into the exponent; past 65504 it reaches 0x7c00, infinity, as it should.
  if (remainder > 0x1000 || (remainder === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** bfloat16 bits of `x`, rounded to nearest even; NaN stays a (quiet) NaN. */
export function float32ToBfloat16Bits(x: number): number {
  const u = float32Bits(x);
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) {
    // Truncating could clear every payload bit and turn NaN into infinity.
    return ((u >>> 16) | 0x40) & 0xffff;
  }
  const roundingBias = 0x7fff + ((u >>> 16) & 1);
  return ((u + roundingBias) >>> 16) & 0xffff;
}

function checkEvenLength(bytes: Uint8Array, what: string): number {
  if (bytes.length % 2 !== 0) {
    throw new RangeError(
      `${what} data has ${bytes.length} bytes, not a whole number of 2-byte values`,
    );
  }
  return bytes.length / 2;
}

/** Little-endian fp16 bytes to float32 values. */
export function float16BytesToFloat32(bytes: Uint8Array): Float32Array<ArrayBuffer> {
  const count = checkEvenLength(bytes, 'fp16');
  const table = getFloat16Table();
  const out = new Float32Array(count);
  for (let i = 0, b = 0; i < count; i++, b += 2) {
    out[i] = table[(bytes[b] as number) | ((bytes[b + 1] as number) << 8)] as number;
  }
  return out;
}

/** Little-endian bfloat16 bytes to float32 values. */
export function bfloat16BytesToFloat32(bytes: Uint8Array): Float32Array<ArrayBuffer> {
  const count = checkEvenLength(bytes, 'bf16');
  const out = new Float32Array(count);
  if (LITTLE_ENDIAN_HOST) {
    // Writing the bits straight into the output avoids a float round trip per value.
    const outBits = new Uint32Array(out.buffer);
    for (let i = 0, b = 0; i < count; i++, b += 2) {
      outBits[i] = ((bytes[b] as number) << 16) | ((bytes[b + 1] as number) << 24);
    }
  } else {
    for (let i = 0, b = 0; i < count; i++, b += 2) {
      out[i] = bfloat16ToFloat32((bytes[b] as number) | ((bytes[b + 1] as number) << 8));
    }
  }
  return out;
}

/** float32 values to little-endian fp16 bytes, each rounded to nearest even. */
export function float32ToFloat16Bytes(values: Float32Array): Uint8Array<ArrayBuffer> {
  return packHalfWords(values, float32ToFloat16Bits);
}

/** float32 values to little-endian bfloat16 bytes, each rounded to nearest even. */
export function float32ToBfloat16Bytes(values: Float32Array): Uint8Array<ArrayBuffer> {
  return packHalfWords(values, float32ToBfloat16Bits);
}

function packHalfWords(
  values: Float32Array,
  toBits: (value: number) => number,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(values.length * 2);
  for (let i = 0, b = 0; i < values.length; i++, b += 2) {
    const bits = toBits(values[i] as number);
    out[b] = bits & 0xff;
    out[b + 1] = bits >>> 8;
  }
  return out;
}

/**
 * Little-endian float32 bytes to float32 values. Shares memory with `bytes` when it can (a
 * little-endian host and 4-byte alignment): readers hand over freshly read buffers, and a copy
 * of a large tensor would double its footprint. Copy the result before changing either.
 */
export function float32BytesToFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(
      `fp32 data has ${bytes.length} bytes, not a whole number of 4-byte values`,
    );
  }
  const count = bytes.length / 4;
  if (LITTLE_ENDIAN_HOST) {
    if (bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
    return new Float32Array(bytes.slice().buffer, 0, count);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * float32 values to little-endian float32 bytes. Shares memory with `values` on a
 * little-endian host (writers pass the bytes straight to the file); a copy otherwise.
 */
export function float32ToFloat32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST)
    return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
}
