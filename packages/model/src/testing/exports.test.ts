import { expect, it } from 'vitest';

it('exports exactly the public API of @litestage/model/testing', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "MemoryWeightSource",
      "ReferenceCache",
      "ReferenceModel",
      "buildLlama2cTokenizerBin",
      "createRandomWeights",
      "effectiveWeights",
      "huggingFaceConfigJson",
      "memoryBundle",
      "noSkips",
      "tinyByteLevelBpe",
      "tinyDecoderConfig",
      "tinyLlama2cFile",
      "tinySentencePieceBpe",
      "writeHuggingFaceCheckpoint",
      "writeSafetensors",
    ]
  `);
});
