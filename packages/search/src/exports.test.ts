import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "EngineEvaluator",
      "MemoryCheckpointStore",
      "SEARCH_VERSION",
      "SearchCheckpointError",
      "angularMetric",
      "blockInfluenceMetric",
      "candidateKey",
      "checkSameInputs",
      "cosineMetric",
      "fitLatencyModel",
      "importanceMetrics",
      "measureLatencyModel",
      "measuredLatency",
      "median",
      "modelLatency",
      "rankSubLayers",
      "searchProfile",
      "validateCheckpoint",
    ]
  `);
});

it('exports exactly the Node API from @litestage/search/node', async () => {
  const api = await import('./node/index.js');
  expect(Object.keys(api).sort()).toEqual([
    'FileCheckpointStore',
    'SearchWorkerError',
    'WorkerPoolEvaluator',
  ]);
});
