/** What the probe learnt about the WebGPU adapter the browser offers. */
export interface WebGpuAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly description: string;
  /**
   * A fallback adapter is a software renderer (SwiftShader in Chromium): correct but about
   * 1000x slower than wasm.
   */
  readonly isFallbackAdapter: boolean;
}

export type WebGpuProbe =
  | { readonly usable: true; readonly adapter: WebGpuAdapterInfo }
  | { readonly usable: false; readonly reason: string; readonly hint: string };

/** The part of WebGPU's `GPUAdapter` the probe reads (lib.dom has no WebGPU types). */
interface AdapterLike {
  readonly isFallbackAdapter?: boolean;
  readonly info?: Partial<WebGpuAdapterInfo>;
}
interface GpuLike {
  requestAdapter(): Promise<AdapterLike | null>;
}

let probed: Promise<WebGpuProbe> | null = null;

/**
 * Asks the browser for a WebGPU adapter, once per page or Worker: onnxruntime-web itself
 * drops to wasm without saying so when there is none. Uses no DOM, so it works in a Worker.
 */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probed ??= requestAdapterInfo();
  return probed;
}

async function requestAdapterInfo(): Promise<WebGpuProbe> {
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) {
    return {
      usable: false,
      reason: 'this browser has no WebGPU (navigator.gpu is missing)',
      hint: 'use a browser with WebGPU (Chrome or Edge 113+, Safari 26+), on a secure origin (https or localhost)',
    };
  }
  let adapter: AdapterLike | null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    // requestAdapter rejects only on bad options; treat it as no adapter.
    adapter = null;
  }
  if (!adapter) {
    return {
      usable: false,
      reason: 'no WebGPU adapter found',
      hint: 'the browser offers WebGPU but no GPU for it; check that hardware acceleration is on',
    };
  }
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const software = /swiftshader/i.test(`${vendor} ${architecture} ${description}`);
  return {
    usable: true,
    adapter: {
      vendor,
      architecture,
      description,
      isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || software,
    },
  };
}
