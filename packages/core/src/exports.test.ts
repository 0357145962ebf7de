import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "BackendResolutionError",
      "EngineConfigError",
      "KV_POLICIES",
      "KV_POLICY_MEANINGS",
      "TextStreamer",
      "checkKvPolicy",
      "createEngine",
      "defaultKvPolicy",
      "fullDepthProfile",
      "generate",
      "listBackends",
      "optionIndex",
      "optionLabel",
      "registerBackend",
      "resolveBackend",
    ]
  `);
});
