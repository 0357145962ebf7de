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
  expect(ranOn.versions['onnxruntime-web']).toBe('1.30.0');
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

describe('K/V caches', () => {
  // Layer 1's attention is skipped at every step of this case (the prefill too), so its
  // cache stays empty while layer 0's grows: per-layer lengths differ.
  const kase = all.find((c) => c.kase.name === 'llama-gqa-fp32')?.kase as ConformanceCase;
  const prompt = kase.prompt.length;

  it.each([
    ['webgpu', 'gpu-buffer'],
    ['wasm', 'cpu'],
  ] as const)(
    'on web %s stay where they are computed (%s), and truncate there',
    async (device, location) => {
      const answer = await harness.run({ kind: 'device-caches', name: kase.name, device });
      console.log(
        `K/V caches of ${kase.name} on ${answer.ranOn.backend}/${answer.ranOn.executionProvider}: ${[...new Set(answer.locations)].join(', ')}, layer lengths ${answer.lengthsBefore.join('/')} -> ${answer.lengthsAfter.join('/')} after truncating to ${prompt + 1}`,
      );
      expect(answer.ranOn.executionProvider).toBe(device);
      expect(answer.locations.length).toBeGreaterThan(0);
      expect(new Set(answer.locations)).toEqual(new Set([location]));
      expect(answer.lengthsBefore).toEqual([prompt + 3, 0]);
      expect(answer.lengthsAfter).toEqual([prompt + 1, 0]);
      // The steps match the reference, and so do the same steps fed again after the truncation.
      for (const [i, row] of answer.logits.entries()) {
        const expected = kase.expected.logits[i] as readonly number[];
        expect(maxDifference(row, expected)).toBeLessThanOrEqual(kase.tolerance.logits);
      }
      for (const [i, row] of answer.logitsAgain.entries()) {
        expect(maxDifference(row, answer.logits[i + 2] as number[])).toBeLessThan(1e-5);
      }
    },
  );
});

function maxDifference(a: readonly number[], b: readonly number[]): number {
  expect(a).toHaveLength(b.length);
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - (b[i] as number))), 0);
}
