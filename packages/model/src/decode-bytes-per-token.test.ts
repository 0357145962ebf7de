import { describe, expect, it } from 'vitest';
import { decodeBytesPerToken, decodeWeightBytes } from './decode-bytes-per-token.js';
import { tinyDecoderConfig } from './testing/tiny-decoder-config.js';

const config = tinyDecoderConfig({
  hiddenSize: 128,
  intermediateSize: 384,
  numLayers: 16,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 32,
  vocabSize: 1339,
});

describe('decodeBytesPerToken', () => {
  it('counts every projection of every layer and the LM head, 4 bytes a float weight', () => {
    // Q 128x128, K and V 128x64, O 128x128, gate/up/down 128x384: 196608 per layer.
    const weights = 16 * 196608 + 1339 * 128;
    expect(decodeBytesPerToken({ config, quantization: 'none' })).toBe(weights * 4);
  });

  it('reads fp16 and int8 weights as float32 (onnxruntime folds them at session start), int4 packed', () => {
    const float = decodeBytesPerToken({ config, quantization: 'none' });
    expect(decodeBytesPerToken({ config, quantization: 'int8' })).toBe(float);
    const int4 = decodeBytesPerToken({ config, quantization: 'int4' });
    expect(int4).toBe(16 * 196608 * 0.625 + 1339 * 128 * 4);
    expect(decodeBytesPerToken({ config, quantization: 'int4', lmHead: 'int4' })).toBe(
      (16 * 196608 + 1339 * 128) * 0.625,
    );
    // Older bundles said the same with quantizeLmHead.
    expect(decodeBytesPerToken({ config, quantization: 'int4', quantizeLmHead: true })).toBe(
      (16 * 196608 + 1339 * 128) * 0.625,
    );
  });

  it('reads an 8-bit head as a byte and a scale per 32, and int4 by its block size', () => {
    expect(decodeWeightBytes({ config, quantization: 'int4', lmHead: 'int8' }).lmHead).toBe(
      1339 * 128 * 1.125,
    );
    // An int8 bundle's older quantized head was a DequantizeLinear, folded to float32.
    expect(decodeWeightBytes({ config, quantization: 'int8', quantizeLmHead: true }).lmHead).toBe(
      1339 * 128 * 4,
    );
    const wide = decodeWeightBytes({ config, quantization: 'int4', int4BlockSize: 128 });
    expect(wide.feedForward).toBe(147456 * (0.5 + 4 / 128));
  });

  it('splits the bytes into a layer of attention and feed-forward, and the LM head', () => {
    const parts = decodeWeightBytes({ config, quantization: 'int4' });
    // Q and O 128x128, K and V 128x64; gate, up and down 128x384; packed 4-bit.
    expect(parts.attention).toBe(49152 * 0.625);
    expect(parts.feedForward).toBe(147456 * 0.625);
    expect(parts.lmHead).toBe(1339 * 128 * 4);
    expect(parts.total).toBe(16 * (parts.attention + parts.feedForward) + parts.lmHead);
    expect(parts.total).toBe(decodeBytesPerToken({ config, quantization: 'int4' }));
  });
});
