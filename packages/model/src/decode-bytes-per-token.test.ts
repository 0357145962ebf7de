import { describe, expect, it } from 'vitest';
import { decodeBytesPerToken } from './decode-bytes-per-token.js';
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
    expect(decodeBytesPerToken({ config, quantization: 'int4', quantizeLmHead: true })).toBe(
      (16 * 196608 + 1339 * 128) * 0.625,
    );
  });
});
