import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_EARLY_EXIT",
      "EngineEvaluator",
      "MemoryCheckpointStore",
      "MemoryEvaluationStore",
      "SEARCH_VERSION",
      "SearchCheckpointError",
      "SharedEvaluations",
      "adaskipStyleStrategy",
      "angularMetric",
      "blockInfluenceMetric",
      "candidateKey",
      "checkSameInputs",
      "cosineMetric",
      "fitLatencyModel",
      "fullDepthStrategy",
      "importanceMetrics",
      "liteStageNoExitStrategy",
      "liteStageStrategy",
      "liteStageTunedStrategy",
      "measureLatencyModel",
      "measuredLatency",
      "median",
      "modelLatency",
      "rankSubLayers",
      "registerSearchStrategy",
      "searchProfile",
      "searchStrategies",
      "staticLayersStrategy",
      "uniformStrategy",
      "validateCheckpoint",
    ]
  `);
});

it('exports exactly the Node API from @litestage/search/node', async () => {
  const api = await import('./node/index.js');
  expect(Object.keys(api).sort()).toEqual([
    'FileCheckpointStore',
    'FileEvaluationStore',
    'SearchWorkerError',
    'WorkerPoolEvaluator',
  ]);
});
