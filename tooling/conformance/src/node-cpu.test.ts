import { describe, it } from 'vitest';
import { loadConformanceCases } from './node/conformance-fixtures.js';
import { expectConformanceOnNode } from './test-utils/run-on-node.js';

const cases = (await loadConformanceCases()).filter(({ kase }) => !('cpu' in kase.notOn));

describe('conformance on Node CPU', () => {
  it.each(cases.map((c) => [c.kase.name, c] as const))('%s', async (_name, loaded) => {
    await expectConformanceOnNode(loaded, 'cpu');
  });
});
