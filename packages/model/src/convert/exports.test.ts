import { expect, it } from 'vitest';

it('exports exactly the public API of @litestage/model/convert', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "CheckpointError",
      "ConversionError",
      "EMBED_TOKENS",
      "ExternalDataSink",
      "FINAL_NORM",
      "GRAPH_FLAVOURS",
      "GraphFlavourError",
      "INT4_ACCURACY_LEVEL",
      "INT4_BLOCK_SIZE",
      "INT4_BLOCK_SIZES",
      "InlineTensorSink",
      "LM_HEAD",
      "LM_HEAD_STORAGES",
      "OUTPUT_LAYOUTS",
      "buildDecoderGraph",
      "buildDecoderModel",
      "convertCheckpoint",
      "dequantizeInt4",
      "dequantizeInt8",
      "dequantizeInt8Blocks",
      "encodeModel",
      "fusedGraphProblem",
      "interleavedToHalfRows",
      "layerTensorNames",
      "openHuggingFaceCheckpoint",
      "openLlama2cCheckpoint",
      "openSafetensors",
      "prepareWeights",
      "quantizeInt4",
      "quantizeInt8",
      "quantizeInt8Blocks",
      "ropeInverseFrequencies",
      "ropeTables",
    ]
  `);
});
