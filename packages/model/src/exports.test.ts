import { expect, it } from 'vitest';

// Nothing is public yet; the first export added here must update this snapshot on purpose.
it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "BUNDLE_MANIFEST_FILE",
      "BundleError",
      "EMBED_TOKENS",
      "FINAL_NORM",
      "HuggingFaceTokenizer",
      "INT4_BLOCK_SIZE",
      "InlineTensorSink",
      "LM_HEAD",
      "Llama2cTokenizer",
      "MemoryWeightSource",
      "ReferenceCache",
      "ReferenceModel",
      "buildDecoderGraph",
      "buildDecoderModel",
      "bundleManifestSchema",
      "createRandomWeights",
      "dequantizeInt4",
      "dequantizeInt8",
      "encodeModel",
      "interleavedToHalfRows",
      "layerTensorNames",
      "loadBundleTokenizer",
      "noSkips",
      "parseBundleManifest",
      "prepareWeights",
      "quantizeInt4",
      "quantizeInt8",
      "ropeInverseFrequencies",
      "ropeTables",
    ]
  `);
});
