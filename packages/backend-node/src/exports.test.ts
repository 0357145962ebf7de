import { expect, it } from 'vitest';

// Nothing is public yet; the first export added here must update this snapshot on purpose.
it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "NODE_EXECUTION_PROVIDERS",
      "nodeBackend",
      "nodeRuntimeVersions",
    ]
  `);
});
