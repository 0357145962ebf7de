import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listBackends, resolveBackend } from '@litestage/core';
import { describe, expect, it } from 'vitest';
import {
  CUDA_PROVIDER_LIBRARIES,
  nodeDeviceBackend,
  ORT_NODE_BIN_DIR,
  probeExecutionProvider,
} from './index.js';

describe('execution provider probes', () => {
  it('registers one backend per execution provider, cuda first and cpu last', () => {
    const order = listBackends().filter((name) => ['cuda', 'webgpu', 'cpu'].includes(name));
    expect(order).toEqual(['cuda', 'webgpu', 'cpu']);
  });

  it('finds the CPU provider usable by running a session on it', async () => {
    expect(await probeExecutionProvider('cpu')).toEqual({ provider: 'cpu', usable: true });
    const { name, passedOver } = await resolveBackend(['cpu']);
    expect({ name, passedOver }).toEqual({ name: 'cpu', passedOver: [] });
  });

  it('says which CUDA libraries are missing and how to install them, when they are', async () => {
    const status = await probeExecutionProvider('cuda');
    const installed = CUDA_PROVIDER_LIBRARIES.every((f) => existsSync(join(ORT_NODE_BIN_DIR, f)));
    if (status.usable) {
      expect(installed).toBe(true);
      return;
    }
    if (installed) {
      expect(status.reason).toMatch(/^the CUDA provider did not start: /);
      expect(status.hint).toMatch(/LD_LIBRARY_PATH/);
    } else {
      expect(status.reason).toMatch(
        /the CUDA provider libraries \(.*libonnxruntime_providers_cuda\.so.*\) are not in /,
      );
      expect(status.hint).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 node ');
    }
    // The registry's backend fails the same way, with the probe's reason and hint.
    const error = await nodeDeviceBackend('cuda')
      .init()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ message: status.reason, hint: status.hint });
  });

  it('answers an unusable WebGPU with the reason and a hint', async () => {
    const status = await probeExecutionProvider('webgpu');
    if (!status.usable) {
      expect(status.reason).toMatch(/WebGPU/);
      expect(status.hint).toMatch(/Vulkan|D3D12|Metal/);
    } else {
      expect(status).toEqual({ provider: 'webgpu', usable: true });
    }
  });
});
