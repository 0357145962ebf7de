import { describe, expect, it } from 'vitest';
import {
  allSubLayerIds,
  formatSubLayerId,
  parseSubLayerId,
  SubLayerIdError,
  subLayerFlags,
} from './sub-layer-id.js';

describe('sub-layer ids', () => {
  it('parses both kinds', () => {
    expect(parseSubLayerId('0.attn')).toEqual({ layer: 0, kind: 'attn' });
    expect(parseSubLayerId('21.ffn')).toEqual({ layer: 21, kind: 'ffn' });
  });

  it.each(['', '3', '3.mlp', '03.attn', '-1.attn', '1.5.ffn', ' 3.attn', '3.ATTN', 'attn.3'])(
    'refuses %j',
    (id) => {
      expect(() => parseSubLayerId(id)).toThrow(SubLayerIdError);
    },
  );

  it('checks the layer against the model depth', () => {
    expect(parseSubLayerId('7.ffn', 8)).toEqual({ layer: 7, kind: 'ffn' });
    expect(() => parseSubLayerId('8.ffn', 8)).toThrow(/beyond the model's 8 layers \(0\.\.7\)/);
  });

  it('formats what it parses', () => {
    for (const id of allSubLayerIds(4)) expect(formatSubLayerId(parseSubLayerId(id))).toBe(id);
    expect(() => formatSubLayerId({ layer: -1, kind: 'attn' })).toThrow(SubLayerIdError);
    expect(() => formatSubLayerId({ layer: 1.5, kind: 'ffn' })).toThrow(SubLayerIdError);
  });

  it('lists every sub-layer in execution order', () => {
    expect(allSubLayerIds(2)).toEqual(['0.attn', '0.ffn', '1.attn', '1.ffn']);
    expect(allSubLayerIds(22)).toHaveLength(44);
    expect(() => allSubLayerIds(0)).toThrow(SubLayerIdError);
  });

  it('turns a list of ids into per-layer flags', () => {
    expect(subLayerFlags(['1.ffn', '0.attn', '1.ffn'], 3)).toEqual({
      attn: [true, false, false],
      ffn: [false, true, false],
    });
    expect(subLayerFlags([], 2)).toEqual({ attn: [false, false], ffn: [false, false] });
    expect(() => subLayerFlags(['0.attn', '3.ffn'], 3)).toThrow(/beyond the model's 3 layers/);
    expect(() => subLayerFlags(['0.mlp'], 3)).toThrow(SubLayerIdError);
  });
});
