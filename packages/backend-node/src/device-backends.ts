import type { Backend, BundleSource, LoadOptions, ModelSession } from '@litestage/core';
import * as ort from 'onnxruntime-node';
import {
  ExecutionProviderUnavailableError,
  probeExecutionProvider,
} from './execution-provider-probe.js';
import { type NodeExecutionProvider, nodeBackend } from './node-backend.js';

/**
 * onnxruntime-node on one execution provider, as a backend of its own: `init` probes the
 * provider with a tiny session and fails with the reason and a hint, so `resolveBackend`
 * can try `cuda`, then `webgpu`, then `cpu` (onnxruntime does not fall back by itself).
 */
export function nodeDeviceBackend(provider: NodeExecutionProvider): Backend {
  return {
    async init() {
      const status = await probeExecutionProvider(provider);
      if (!status.usable)
        throw new ExecutionProviderUnavailableError(provider, status.reason, status.hint);
    },
    load(bundle: BundleSource, options: LoadOptions = {}): Promise<ModelSession> {
      return nodeBackend.load(bundle, { ...options, executionProviders: [provider] });
    },
  };
}

/** An execution provider onnxruntime-node was built with, and whether its libraries ship with it. */
export interface ListedExecutionProvider {
  readonly name: string;
  /** False when its libraries are installed separately (CUDA, TensorRT on linux-x64). */
  readonly bundled: boolean;
}

/** Every execution provider this onnxruntime-node binary knows, whether LiteStage uses it or not. */
export function listedExecutionProviders(): ListedExecutionProvider[] {
  return ort.listSupportedBackends().map((b) => ({ name: b.name, bundled: b.bundled }));
}
