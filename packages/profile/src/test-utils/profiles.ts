import type { Profile } from '../schema.js';

const FINGERPRINT = `sha256:${'ab12'.repeat(16)}`;

/** A profile with only what a runtime needs (no provenance). */
export function minimalProfile(): Profile {
  return {
    schemaVersion: 1,
    model: { name: 'demo-reasoner', architecture: 'llama', numLayers: 8, fingerprint: FINGERPRINT },
    task: { format: 'tinythinker', stages: ['recall', 'analyze', 'summarize'] },
    stages: {
      recall: { skip: [], earlyExit: null, maxNewTokens: 96 },
      analyze: {
        skip: ['5.ffn', '6.attn'],
        earlyExit: { confidence: 'maxProb', window: 4, threshold: 0.35 },
        maxNewTokens: 160,
      },
      summarize: {
        skip: ['5.ffn', '6.attn', '3.attn', '7.ffn'],
        earlyExit: { confidence: 'maxLogit', window: 2, threshold: 4.5 },
        maxNewTokens: 24,
      },
    },
    runtime: { kvPolicy: 'reprefill', skipInPrefill: true },
  };
}

/** A profile with every field filled, as the searcher writes it. */
export function fullProfile(): Profile {
  const tokens = { recall: 31.2, analyze: 58.4, summarize: 9 };
  return {
    ...minimalProfile(),
    provenance: {
      createdAt: '2026-11-29T12:00:00.000Z',
      searcher: { name: '@litestage/search', version: '0.1.0' },
      ranking: {
        metric: 'cosine',
        tokenReduction: 'mean',
        stageReduction: 'sum',
        entries: [
          { id: '5.ffn', score: 2.97 },
          { id: '6.attn', score: 2.95 },
          { id: '3.attn', score: 2.9 },
          { id: '7.ffn', score: 2.71 },
        ],
      },
      calibration: { id: 'synthetic-v1-calib-seed1', size: 300 },
      epsilon: 0.04,
      latencyMethod: 'model',
      baseline: { accuracy: 0.93, meanLatencyMs: 410.5, tokensPerStage: tokens },
      result: { accuracy: 0.9, meanLatencyMs: 298.25, tokensPerStage: tokens },
      speedup: 1.376,
      trace: [
        {
          step: 'baseline',
          budgets: { recall: 0, analyze: 0, summarize: 0 },
          thresholds: { recall: null, analyze: null, summarize: null },
          accuracy: 0.93,
          meanLatencyMs: 410.5,
          questions: 300,
          pruned: false,
        },
        {
          step: 'budget',
          budgets: { recall: 0, analyze: 2, summarize: 0 },
          thresholds: { recall: null, analyze: null, summarize: null },
          accuracy: 0.91,
          meanLatencyMs: 350,
          questions: 300,
          pruned: false,
        },
      ],
      cost: { questionEvaluations: 2400, exhaustiveQuestionEvaluations: 5100 },
      environment: {
        device: 'x86_64, 2 cores',
        backend: 'node',
        executionProvider: 'cpu',
        runtimeVersions: { node: '20.20.2', 'onnxruntime-node': '1.30.0' },
      },
    },
    extensions: { 'example-plugin': { note: 'kept as written', values: [1, 2, 3] } },
  };
}
