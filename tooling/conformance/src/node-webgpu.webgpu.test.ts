// Part of the WebGPU suite (`pnpm test:webgpu`; SwiftShader in CI). Every case runs here,
// fp16 included (its weights are cast to fp32 in the graph); a case's `notOn` would name
// the backends it does not apply to, with the reason.
import { describe, it } from 'vitest';
import { loadConformanceCases } from './node/conformance-fixtures.js';
import { expectConformanceOnNode } from './test-utils/run-on-node.js';

const cases = (await loadConformanceCases()).filter(({ kase }) => !('webgpu' in kase.notOn));

describe('conformance on Node WebGPU', () => {
  it.each(cases.map((c) => [c.kase.name, c] as const))('%s', async (_name, loaded) => {
    await expectConformanceOnNode(loaded, 'webgpu');
  });
});
