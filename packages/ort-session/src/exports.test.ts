import { expect, it } from 'vitest';

// The public API; a change here must update this snapshot on purpose.
it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "IN_PLACE_FROM",
      "PLAIN_AT_FULL_DEPTH_BELOW",
      "bundleSessionOptions",
      "inPlaceCacheRefusal",
      "openOrtModelSession",
      "plainAtFullDepth",
    ]
  `);
});
