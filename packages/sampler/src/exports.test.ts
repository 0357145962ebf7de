import { expect, it } from 'vitest';

it('exports exactly the public API', async () => {
  const api = await import('./index.js');
  expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
    [
      "ConfidenceEarlyExit",
      "EarlyExitCriteria",
      "EosTokenCriteria",
      "LogitsProcessorList",
      "MaxNewTokensCriteria",
      "RepetitionPenaltyLogitsProcessor",
      "SeededRandom",
      "StopStringCriteria",
      "StoppingCriteriaList",
      "TemperatureLogitsWarper",
      "TokenSampler",
      "TopKLogitsWarper",
      "TopPLogitsWarper",
      "argmax",
      "confidenceOf",
      "logSumExp",
      "maxSoftmaxProbability",
      "softmax",
    ]
  `);
});
