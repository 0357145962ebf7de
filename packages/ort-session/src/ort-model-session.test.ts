import type { BundleGraph, BundleManifest } from '@litestage/core';
import { Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { bundleSessionOptions } from './bundle-session-options.js';
import { openOrtModelSession } from './ort-model-session.js';
import type { OrtInferenceSession, OrtNamespace, OrtSessionOptions } from './ort-namespace.js';

// How a session is opened, on a fake runtime that records what it is asked for. Steps run on
// real runtimes: Node CPU (`pnpm test`, backend-node), Node WebGPU (`pnpm test:webgpu`),
// web wasm and WebGPU (`pnpm test:browser`).

const manifest = {
  numLayers: 2,
  numKvHeads: 1,
  headDim: 4,
  quantization: 'none',
  graphs: {
    gated: { file: 'model.onnx', externalData: null },
    plain: null,
    search: { file: 'model.search.onnx', externalData: null },
  },
} as unknown as BundleManifest;

function fakeRuntime(failSlicer = false) {
  const created: { model: unknown; options: OrtSessionOptions | undefined }[] = [];
  const released: unknown[] = [];
  const session = (model: unknown) =>
    ({
      outputNames: [],
      release: async () => void released.push(model),
    }) as unknown as OrtInferenceSession;
  const ort = {
    Tensor,
    InferenceSession: {
      create: async (model: unknown, options?: OrtSessionOptions) => {
        created.push({ model, options });
        if (failSlicer) throw new Error('no device');
        return session(model);
      },
    },
  } as unknown as OrtNamespace;
  const graphs: BundleGraph[] = [];
  const open = (deviceCaches: boolean) =>
    openOrtModelSession({
      ort,
      backend: 'test',
      executionProvider: deviceCaches ? 'webgpu' : 'cpu',
      manifest,
      sessionOptions: { executionProviders: [deviceCaches ? 'webgpu' : 'cpu'] },
      deviceCaches,
      createSession: async (graph, options) => {
        graphs.push(graph);
        created.push({ model: graph.file, options });
        return session(graph.file);
      },
    });
  return { created, released, graphs, open };
}

describe('openOrtModelSession', () => {
  it('keeps every present K/V output on the device, with a slicer there, when asked', async () => {
    const runtime = fakeRuntime();
    const session = await runtime.open(true);
    expect(session).toMatchObject({ backend: 'test', executionProvider: 'webgpu' });
    const [gated, slicer] = runtime.created;
    expect(gated?.model).toBe('model.onnx');
    expect(gated?.options?.preferredOutputLocation).toEqual({
      'present_key.0': 'gpu-buffer',
      'present_value.0': 'gpu-buffer',
      'present_key.1': 'gpu-buffer',
      'present_value.1': 'gpu-buffer',
    });
    expect(slicer?.model).toBeInstanceOf(Uint8Array);
    expect(slicer?.options).toEqual({
      executionProviders: ['webgpu'],
      preferredOutputLocation: 'gpu-buffer',
    });
    await session.dispose();
    expect(runtime.released).toHaveLength(2);
  });

  it('leaves caches on the host otherwise: no output locations, no slicer', async () => {
    const runtime = fakeRuntime();
    const session = await runtime.open(false);
    expect(runtime.created).toEqual([
      { model: 'model.onnx', options: { executionProviders: ['cpu'] } },
    ]);
    // The search graph is opened on the first step that asks for cosines, not before.
    expect(runtime.graphs.map((g) => g.file)).toEqual(['model.onnx']);
    await session.dispose();
  });

  it('releases the gated session when the slicer cannot start', async () => {
    const runtime = fakeRuntime(true);
    await expect(runtime.open(true)).rejects.toThrow('no device');
    expect(runtime.released).toEqual(['model.onnx']);
  });
});

describe('bundleSessionOptions', () => {
  it('optimizes fully, and turns the QDQ rewrite off for int8 bundles only', () => {
    expect(bundleSessionOptions({ quantization: 'int8' }, 'wasm')).toEqual({
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      extra: { session: { disable_quant_qdq: '1' } },
    });
    expect(bundleSessionOptions({ quantization: 'int4' }, 'cpu').extra.session).toEqual({});
  });
});
