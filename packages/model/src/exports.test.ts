import { expect, it } from 'vitest';

it('exports exactly the public API of @litestage/model', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "BUNDLE_MANIFEST_FILE",
      "BundleError",
      "HuggingFaceTokenizer",
      "Llama2cTokenizer",
      "TokenizerError",
      "bundleFromFiles",
      "bundleFromUrl",
      "bundleManifestSchema",
      "decodeBytesPerToken",
      "decodeWeightBytes",
      "encodeModel",
      "loadBundleTokenizer",
      "parseBundleManifest",
      "readBundle",
    ]
  `);
});
