import { expect, it } from 'vitest';

it('exports exactly the public API of @litestage/model/node', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "openBundle",
    ]
  `);
});
