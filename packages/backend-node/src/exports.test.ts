import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CUDA_PROVIDER_LIBRARIES",
      "ExecutionProviderUnavailableError",
      "NODE_EXECUTION_PROVIDERS",
      "ORT_NODE_BIN_DIR",
      "listedExecutionProviders",
      "nodeBackend",
      "nodeDeviceBackend",
      "nodeRuntimeVersions",
      "probeExecutionProvider",
    ]
  `);
});
