import { expect, it } from 'vitest';

// The app's Node side (its build's location and the server of `pnpm demo`); every export
// added here must update this snapshot on purpose.
it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "DEFAULT_DEMO_PORT",
      "DEMO_APP_DIR",
      "DemoBuildMissingError",
      "ORT_RUNTIME_FILES",
      "copyDemoAssets",
      "demoAssets",
      "serveDemo",
    ]
  `);
});
