import { fullDepthProfile, type TaskFormat } from '@litestage/core';
import type { ProfileTemplate } from '../stage-wise-search.js';
import { STAGES } from './fake-evaluator.js';

export const format: TaskFormat = {
  id: 'tinythinker',
  description: 'test',
  stages: STAGES.map((name) => ({
    name,
    prefix: `${name}:`,
    stopStrings: ['\n'],
    stopAtEos: true,
    maxNewTokens: 64,
  })),
  stagePrompt: () => '',
  renderTrace: () => '',
  parseAnswer: () => ({ ok: false, reason: 'missing', found: [] }),
};
export const manifest = {
  format: 'litestage-bundle',
  formatVersion: 1,
  name: 'fake',
  architecture: 'llama',
  numLayers: 4,
  numKvHeads: 1,
  headDim: 2,
  vocabSize: 10,
  maxPositions: 100,
  fingerprint: `sha256:${'f0'.repeat(32)}`,
  dtype: 'fp32',
  quantization: 'none',
  graphs: { gated: { file: 'm', externalData: null }, plain: null },
  propagateKv: false,
  tokenizer: { kind: 'huggingface', file: 't', configFile: null },
  bosTokenId: 1,
  eosTokenIds: [2],
} as const;
export const template: ProfileTemplate = {
  base: fullDepthProfile(manifest, format),
  calibrationId: 'fake-calib',
  searcher: { name: '@litestage/search', version: '0.0.0' },
  environment: { device: 'test', backend: 'fake', executionProvider: 'none', runtimeVersions: {} },
};
export const fixedClock = () => new Date('2026-11-29T00:00:00.000Z');
