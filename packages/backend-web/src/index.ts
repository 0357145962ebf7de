// Browser-safe and Worker-safe: no DOM, no Node module. onnxruntime-web is loaded on first
// use by a dynamic import (see onnxruntime-web.ts), never by a static one.
import { registerBackend } from '@litestage/core';
import { WEB_EXECUTION_PROVIDERS, webDeviceBackend } from './web-backend.js';

// One backend per execution provider, as onnxruntime-web registers its own; the order of
// WEB_EXECUTION_PROVIDERS (webgpu, wasm) is the priority order.
WEB_EXECUTION_PROVIDERS.forEach((provider, i) => {
  registerBackend(provider, webDeviceBackend(provider), 100 * (WEB_EXECUTION_PROVIDERS.length - i));
});

export {
  chooseWebDevice,
  describeWebDeviceChoice,
  WEB_DEVICES,
  type WebDevice,
  type WebDeviceChoice,
  WebDeviceError,
} from './choose-web-device.js';
export {
  configureWebRuntime,
  WebRuntimeError,
  type WebRuntimeOptions,
  webRuntimeVersions,
} from './onnxruntime-web.js';
export {
  WEB_EXECUTION_PROVIDERS,
  type WebExecutionProvider,
  WebProviderUnavailableError,
  webBackend,
  webDeviceBackend,
} from './web-backend.js';
export { probeWebGpu, type WebGpuAdapterInfo, type WebGpuProbe } from './webgpu-adapter.js';
