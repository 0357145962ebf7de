import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "AUTO_DEVICE_ORDER",
      "DEVICES",
      "RuntimeOptionError",
      "describeDeviceChoice",
      "diagnoseDevices",
      "openRuntime",
    ]
  `);
});
