import type { DecoderConfig } from '../decoder-config.js';

const f32 = Math.fround;

/**
 * Inverse rotary frequencies, one per rotated pair, with the checkpoint's scaling. Computed
 * in float32 steps as PyTorch and llama2.c do, so long generations match them exactly.
 */
export function ropeInverseFrequencies(config: DecoderConfig): Float32Array {
  const half = config.headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    inv[i] = f32(1 / f32(config.ropeTheta ** f32((2 * i) / config.headDim)));
  }
  const scaling = config.ropeScaling;
  if (scaling?.type === 'linear') {
    for (let i = 0; i < half; i++) inv[i] = f32((inv[i] as number) / scaling.factor);
  } else if (scaling?.type === 'llama3') {
    const {
      factor,
      lowFreqFactor,
      highFreqFactor,
      originalMaxPositionEmbeddings: context,
    } = scaling;
    const lowWavelength = context / lowFreqFactor;
    const highWavelength = context / highFreqFactor;
    for (let i = 0; i < half; i++) {
      const freq = inv[i] as number;
      const wavelength = (2 * Math.PI) / freq;
      if (wavelength < highWavelength) continue;
      if (wavelength > lowWavelength) {
        inv[i] = f32(freq / factor);
      } else {
        const smooth = (context / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
        inv[i] = f32((1 - smooth) * (freq / factor) + smooth * freq);
      }
    }
  }
  return inv;
}

/** cos and sin tables, `[positions, headDim / 2]` row-major. */
export function ropeTables(
  config: DecoderConfig,
  positions: number,
): { cos: Float32Array; sin: Float32Array } {
  const inv = ropeInverseFrequencies(config);
  const half = inv.length;
  const cos = new Float32Array(positions * half);
  const sin = new Float32Array(positions * half);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = f32(p * (inv[i] as number));
      cos[p * half + i] = Math.cos(angle);
      sin[p * half + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

/**
 * Reorders the rows of a q or k projection from interleaved rotary pairs (2i, 2i+1) to
 * halves (i, i + headDim/2), so one graph serves both checkpoint styles. `rowLength` is
 * the number of columns (1 for a bias).
 */
export function interleavedToHalfRows(
  weight: Float32Array,
  heads: number,
  headDim: number,
  rowLength: number,
): Float32Array {
  const out = new Float32Array(weight.length);
  const half = headDim / 2;
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < half; i++) {
      const even = (h * headDim + 2 * i) * rowLength;
      const odd = (h * headDim + 2 * i + 1) * rowLength;
      out.set(weight.subarray(even, even + rowLength), (h * headDim + i) * rowLength);
      out.set(weight.subarray(odd, odd + rowLength), (h * headDim + half + i) * rowLength);
    }
  }
  return out;
}
