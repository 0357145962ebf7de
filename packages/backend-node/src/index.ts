import { registerBackend } from '@litestage/core';
import { nodeDeviceBackend } from './device-backends.js';
import { NODE_EXECUTION_PROVIDERS } from './node-backend.js';

// One backend per execution provider, as onnxruntime-node registers them; the order of
// NODE_EXECUTION_PROVIDERS (cuda, webgpu, cpu) is the priority order.
NODE_EXECUTION_PROVIDERS.forEach((provider, i) => {
  registerBackend(
    provider,
    nodeDeviceBackend(provider),
    100 * (NODE_EXECUTION_PROVIDERS.length - i),
  );
});

export {
  type ListedExecutionProvider,
  listedExecutionProviders,
  nodeDeviceBackend,
} from './device-backends.js';
export {
  CUDA_PROVIDER_LIBRARIES,
  type ExecutionProviderStatus,
  ExecutionProviderUnavailableError,
  ORT_NODE_BIN_DIR,
  probeExecutionProvider,
} from './execution-provider-probe.js';
export {
  NODE_EXECUTION_PROVIDERS,
  type NodeExecutionProvider,
  nodeBackend,
  nodeRuntimeVersions,
} from './node-backend.js';
