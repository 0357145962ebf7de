import { parseProfile } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import { skipMapOf } from './skip-map.js';

const profile = parseProfile({
  schemaVersion: 1,
  model: {
    name: 'tiny',
    architecture: 'llama',
    numLayers: 3,
    fingerprint: `sha256:${'0'.repeat(64)}`,
  },
  task: { format: 'synthetic', stages: ['recall', 'analyze'] },
  stages: {
    recall: { skip: ['2.attn', '2.ffn', '0.ffn'], earlyExit: null, maxNewTokens: 8 },
    analyze: { skip: [], earlyExit: null, maxNewTokens: 8 },
  },
  runtime: { kvPolicy: 'reprefill', skipInPrefill: true },
});

describe('skipMapOf', () => {
  it('marks each layer and stage with its skipped attention and FFN sub-layers', () => {
    expect(skipMapOf(profile)).toEqual({
      stages: ['recall', 'analyze'],
      numLayers: 3,
      skippedPerStage: [3, 0],
      cells: [
        [
          { attn: false, ffn: true },
          { attn: false, ffn: false },
        ],
        [
          { attn: false, ffn: false },
          { attn: false, ffn: false },
        ],
        [
          { attn: true, ffn: true },
          { attn: false, ffn: false },
        ],
      ],
    });
  });
});
