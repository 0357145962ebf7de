// The browser half of the conformance suite (`pnpm test:browser`): every fixture on
// onnxruntime-web's wasm and WebGPU (SwiftShader without a GPU) in headless Chromium, through
// the harness page. Each test asserts the backend that actually ran and prints it.
import {
  type ConformanceCase,
  type ConformanceRun,
  compareConformanceRun,
} from '@litestage/conformance';
import { loadConformanceCases } from '@litestage/conformance/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceAnswer } from '../harness/jobs.js';
import { type HarnessPage, openHarnessPage } from './test-utils/harness-page.js';

const DEVICES = ['wasm', 'webgpu'] as const;
const all = await loadConformanceCases();

let harness: HarnessPage;
beforeAll(async () => {
  harness = await openHarnessPage();
});
afterAll(async () => {
  await harness?.close();
});

/** The checks every run gets: where it ran, then the tokens and logits against the case. */
function expectConformance(
  answer: ConformanceAnswer,
  kase: ConformanceCase,
  device: (typeof DEVICES)[number],
) {
  const { ranOn } = answer;
  const run: ConformanceRun = {
    tokens: answer.tokens,
    logits: answer.logits.map((row) => Float32Array.from(row)),
  };
  const comparison = compareConformanceRun(run, kase);
  console.log(
    `conformance ${kase.name}: ran on ${ranOn.backend}/${ranOn.executionProvider} in a ${ranOn.scope} (${ranOn.choice}; cross-origin isolated: ${ranOn.crossOriginIsolated}), max |logit - expected| ${comparison.maxLogitDifference.toExponential(2)} (tolerance ${kase.tolerance.logits})`,
  );
  expect({ backend: ranOn.backend, executionProvider: ranOn.executionProvider }).toEqual({
    backend: 'web',
    executionProvider: device,
  });
  expect(ranOn.crossOriginIsolated).toBe(true);
  if (device === 'webgpu') expect(typeof ranOn.isFallbackAdapter).toBe('boolean');
  expect(run.tokens).toEqual(kase.expected.tokens);
  expect(comparison.maxLogitDifference).toBeLessThanOrEqual(kase.tolerance.logits);
  expect(comparison).toEqual({
    tokensMatch: true,
    maxLogitDifference: comparison.maxLogitDifference,
    withinTolerance: true,
  });
}

for (const device of DEVICES) {
  // As on Node: a case's `notOn` names the execution providers it does not apply to.
  const cases = all.filter(({ kase }) => !(device in kase.notOn));
  for (const { kase } of all.filter((c) => !cases.includes(c)))
    console.log(`conformance ${kase.name}: not on web/${device}: ${kase.notOn[device]}`);

  describe(`conformance on web ${device}`, () => {
    it.each(cases.map((c) => [c.kase.name, c.kase] as const))('%s', async (name, kase) => {
      expectConformance(await harness.run({ kind: 'conformance', name, device }), kase, device);
    });
  });
}

describe('conformance from a Worker', () => {
  const kase = all[0]?.kase as ConformanceCase;
  it.each(DEVICES)(`${kase.name} on web %s`, async (device) => {
    const answer = await harness.runInWorker({ kind: 'conformance', name: kase.name, device });
    expect(answer.ranOn.scope).toBe('DedicatedWorkerGlobalScope');
    expectConformance(answer, kase, device);
  });
});

describe('device auto', () => {
  it('runs on WebGPU on a real GPU and on wasm on a fallback adapter, and says why', async () => {
    const kase = all[0]?.kase as ConformanceCase;
    const answer = await harness.run({ kind: 'conformance', name: kase.name, device: 'auto' });
    const { ranOn } = answer;
    console.log(`conformance ${kase.name}, device auto: ${ranOn.choice}`);
    expect(ranOn.backend).toBe('web');
    if (ranOn.isFallbackAdapter === false) {
      expect(ranOn.executionProvider).toBe('webgpu');
    } else {
      expect(ranOn.executionProvider).toBe('wasm');
      expect(ranOn.choice).toMatch(
        ranOn.isFallbackAdapter
          ? /^device auto: running on wasm \(webgpu unusable: the only WebGPU adapter is a fallback adapter/
          : /^device auto: running on wasm \(webgpu unusable: /,
      );
    }
    expect(answer.tokens).toEqual(kase.expected.tokens);
  });
});
