import '@litestage/backend-node';
import { type ModelSession, resolveBackend } from '@litestage/core';
import { openBundle } from '@litestage/model/node';
import { expect } from 'vitest';
import { compareConformanceRun, runConformanceCase } from '../conformance-case.js';
import type { LoadedConformanceCase } from '../node/conformance-fixtures.js';

/**
 * Runs one case on an onnxruntime-node device through the backend registry, asserts the
 * device that actually ran, and checks tokens and logits; prints which backend it ran on.
 */
export async function expectConformanceOnNode(
  { kase, profile, bundleDir }: LoadedConformanceCase,
  device: 'cpu' | 'webgpu',
): Promise<void> {
  const { name, backend } = await resolveBackend([device]);
  expect(name).toBe(device);
  const session: ModelSession = await backend.load(await openBundle(bundleDir), { threads: 1 });
  try {
    expect({ backend: session.backend, executionProvider: session.executionProvider }).toEqual({
      backend: 'node',
      executionProvider: device,
    });
    const run = await runConformanceCase(session, kase, profile);
    const comparison = compareConformanceRun(run, kase);
    console.log(
      `conformance ${kase.name}: ran on ${session.backend}/${session.executionProvider}, max |logit - expected| ${comparison.maxLogitDifference.toExponential(2)} (tolerance ${kase.tolerance.logits})`,
    );
    expect(run.tokens).toEqual(kase.expected.tokens);
    expect(comparison.maxLogitDifference).toBeLessThanOrEqual(kase.tolerance.logits);
    expect(comparison).toEqual({
      tokensMatch: true,
      maxLogitDifference: comparison.maxLogitDifference,
      withinTolerance: true,
    });
  } finally {
    await session.dispose();
  }
}
