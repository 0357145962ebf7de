import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CONFORMANCE_FORMAT_VERSION",
      "ConformanceFixtureError",
      "compareConformanceRun",
      "parseConformanceCase",
      "parseConformanceIndex",
      "runConformanceCase",
    ]
  `);
  const node = await import('./node/index.js');
  expect(Object.keys(node).sort()).toMatchInlineSnapshot(`
    [
      "CONFORMANCE_FIXTURES",
      "CONFORMANCE_STAGE",
      "conformanceSpecs",
      "conformanceTokenizers",
      "conformanceVocab",
      "loadConformanceCases",
      "readConformanceIndex",
      "referenceExpectation",
    ]
  `);
});
