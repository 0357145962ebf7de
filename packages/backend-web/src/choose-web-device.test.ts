import { afterEach, describe, expect, it, vi } from 'vitest';

// The device choice, with the browser's WebGPU replaced by a fake (Node has none): which
// device runs, and why the others were passed over. Loading sessions is tested in a real
// browser (`pnpm test:browser`).

type Adapter = {
  info: { vendor: string; architecture: string; description: string; isFallbackAdapter?: boolean };
};

/** A fresh copy of the package (its probe runs once per page) on a browser offering `gpu`. */
async function browserWith(gpu: { requestAdapter(): Promise<Adapter | null> } | undefined) {
  vi.resetModules();
  vi.stubGlobal('navigator', gpu ? { gpu } : {});
  const web = await import('./index.js');
  web.configureWebRuntime({ wasmPaths: '/ort/' });
  return web;
}

const gpuAdapter: Adapter = {
  info: { vendor: 'nvidia', architecture: 'ampere', description: '', isFallbackAdapter: false },
};
const swiftShader: Adapter = {
  info: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device' },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('chooseWebDevice', () => {
  it('auto runs on WebGPU when the adapter is a real GPU', async () => {
    const web = await browserWith({ requestAdapter: async () => gpuAdapter });
    const choice = await web.chooseWebDevice('auto');
    expect(choice).toMatchObject({ requested: 'auto', device: 'webgpu', passedOver: [] });
    expect(choice.adapter?.isFallbackAdapter).toBe(false);
    expect(web.describeWebDeviceChoice(choice)).toBe(
      'device auto: running on webgpu (adapter nvidia ampere)',
    );
  });

  it('auto prefers wasm over a fallback adapter, and says why', async () => {
    const web = await browserWith({ requestAdapter: async () => swiftShader });
    const choice = await web.chooseWebDevice();
    expect(choice.device).toBe('wasm');
    expect(choice.adapter?.isFallbackAdapter).toBe(true);
    expect(choice.passedOver).toEqual([
      {
        backend: 'webgpu',
        reason:
          'the only WebGPU adapter is a fallback adapter (fallback adapter google swiftshader), about 1000x slower than wasm',
        hint: 'ask for webgpu by name to run on it anyway',
      },
    ]);
    expect(web.describeWebDeviceChoice(choice)).toMatch(
      /^device auto: running on wasm \(webgpu unusable: the only WebGPU adapter is a fallback adapter/,
    );
  });

  it('takes a fallback adapter when webgpu is asked for by name', async () => {
    const web = await browserWith({
      requestAdapter: async () => ({ info: { ...gpuAdapter.info, isFallbackAdapter: true } }),
    });
    const choice = await web.chooseWebDevice('webgpu');
    expect(choice).toMatchObject({ requested: 'webgpu', device: 'webgpu', passedOver: [] });
    expect(choice.adapter?.isFallbackAdapter).toBe(true);
  });

  it('auto runs on wasm without an adapter, and says there was none', async () => {
    const web = await browserWith({ requestAdapter: async () => null });
    const choice = await web.chooseWebDevice('auto');
    expect(choice.device).toBe('wasm');
    expect(choice.adapter).toBeNull();
    expect(choice.passedOver).toEqual([
      expect.objectContaining({ backend: 'webgpu', reason: 'no WebGPU adapter found' }),
    ]);
  });

  it('fails with the reason and a hint when webgpu is asked for in a browser without it', async () => {
    const web = await browserWith(undefined);
    await expect(web.chooseWebDevice('webgpu')).rejects.toThrow(
      'backend webgpu is unusable: this browser has no WebGPU (navigator.gpu is missing)',
    );
    await expect(web.chooseWebDevice('webgpu')).rejects.toMatchObject({
      hint: expect.stringContaining('Chrome or Edge 113+'),
    });
  });

  it('refuses an unknown device, naming the devices', async () => {
    const web = await browserWith(undefined);
    await expect(web.chooseWebDevice('cuda' as 'auto')).rejects.toThrow(
      'unknown device "cuda" (devices: auto, webgpu, wasm)',
    );
  });
});

describe('configureWebRuntime', () => {
  it('is needed before anything loads: the error says where the wasm files must come from', async () => {
    vi.resetModules();
    const web = await import('./index.js');
    await expect(web.webBackend.init()).rejects.toMatchObject({
      name: 'WebRuntimeError',
      message: "onnxruntime-web's wasm files have no location",
      hint: expect.stringContaining("configureWebRuntime({ wasmPaths: '/ort/' })"),
    });
    await expect(web.chooseWebDevice('wasm')).rejects.toThrow(
      "backend wasm is unusable: onnxruntime-web's wasm files have no location",
    );
  });

  it('refuses a thread count that is not a positive integer', async () => {
    vi.resetModules();
    const web = await import('./index.js');
    expect(() => web.configureWebRuntime({ wasmPaths: '/ort/', threads: 0 })).toThrow(
      'threads must be a positive integer, not 0',
    );
  });
});
