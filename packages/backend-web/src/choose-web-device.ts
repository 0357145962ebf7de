import { type Backend, type BackendFailure, resolveBackend } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import type { WebExecutionProvider } from './web-backend.js';
import { probeWebGpu, type WebGpuAdapterInfo } from './webgpu-adapter.js';

/**
 * Where a model runs in the browser: `auto` takes WebGPU on a real GPU and wasm otherwise
 * (a fallback adapter, SwiftShader, is about 1000x slower than wasm); `webgpu` and `wasm`
 * are exactly that provider or an error saying why not (`webgpu` accepts a fallback adapter).
 */
export const WEB_DEVICES = ['auto', 'webgpu', 'wasm'] as const;
export type WebDevice = (typeof WEB_DEVICES)[number];

/** Which device was asked for, which one runs, why each one tried before it was passed over. */
export interface WebDeviceChoice {
  readonly requested: WebDevice;
  readonly device: WebExecutionProvider;
  /** The registered backend for `device`: `load` a bundle with it. */
  readonly backend: Backend;
  readonly passedOver: readonly BackendFailure[];
  /** The WebGPU adapter the browser offered (whichever device runs), or null when none. */
  readonly adapter: WebGpuAdapterInfo | null;
}

/** An unknown device name. */
export class WebDeviceError extends LiteStageError {
  override readonly name = 'WebDeviceError';
}

/**
 * Chooses the device through `@litestage/core`'s registry (import `@litestage/backend-web`
 * first, and configure it with `configureWebRuntime`). Fails with one error listing why each
 * device tried was unusable.
 */
export async function chooseWebDevice(requested: WebDevice = 'auto'): Promise<WebDeviceChoice> {
  if (!(WEB_DEVICES as readonly string[]).includes(requested)) {
    throw new WebDeviceError(`unknown device "${requested}" (devices: ${WEB_DEVICES.join(', ')})`);
  }
  const probe = await probeWebGpu();
  const adapter = probe.usable ? probe.adapter : null;
  const passedOver: BackendFailure[] = [];
  let order: WebExecutionProvider[];
  if (requested !== 'auto') order = [requested];
  else if (adapter?.isFallbackAdapter) {
    passedOver.push({
      backend: 'webgpu',
      reason: `the only WebGPU adapter is a fallback adapter (${describeAdapter(adapter)}), about 1000x slower than wasm`,
      hint: 'ask for webgpu by name to run on it anyway',
    });
    order = ['wasm'];
  } else order = ['webgpu', 'wasm'];
  const resolved = await resolveBackend(order);
  return {
    requested,
    device: resolved.name as WebExecutionProvider,
    backend: resolved.backend,
    passedOver: [...passedOver, ...resolved.passedOver],
    adapter,
  };
}

/** One line: which device runs and why each one tried before it was passed over. */
export function describeWebDeviceChoice(choice: WebDeviceChoice): string {
  const passedOver = choice.passedOver.map((f) => `${f.backend} unusable: ${f.reason}`);
  const on =
    choice.device === 'webgpu' && choice.adapter ? ` (${describeAdapter(choice.adapter)})` : '';
  return `device ${choice.requested}: running on ${choice.device}${on}${passedOver.length > 0 ? ` (${passedOver.join('; ')})` : ''}`;
}

function describeAdapter(adapter: WebGpuAdapterInfo): string {
  const name = [adapter.vendor, adapter.architecture].filter((s) => s !== '').join(' ');
  const kind = adapter.isFallbackAdapter ? 'fallback adapter' : 'adapter';
  return `${kind} ${name || adapter.description || 'unnamed'}`;
}
