import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { nodeRuntimeVersions } from './index.js';

it('reports the onnxruntime-node that is installed, not a typed-in version', () => {
  const installed = createRequire(import.meta.url)('onnxruntime-node/package.json') as {
    version: string;
  };
  const versions = nodeRuntimeVersions();
  expect(versions['onnxruntime-node']).toBe(installed.version);
  expect(versions['onnxruntime-common']).toMatch(/^\d+\.\d+\.\d+/);
  expect(versions.node).toBe(process.versions.node);
});
