import type {
  Backend,
  BundleGraph,
  BundleSource,
  LoadOptions,
  ModelSession,
} from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import {
  bundleSessionOptions,
  type OrtSessionOptions,
  openOrtModelSession,
} from '@litestage/ort-session';
import { loadOnnxruntimeWeb, messageOf } from './onnxruntime-web.js';
import { probeWebGpu } from './webgpu-adapter.js';

/** onnxruntime-web's execution providers LiteStage runs on, in priority order. */
export const WEB_EXECUTION_PROVIDERS = ['webgpu', 'wasm'] as const;
export type WebExecutionProvider = (typeof WEB_EXECUTION_PROVIDERS)[number];

/** A web execution provider that cannot run here: the reason, and what would fix it. */
export class WebProviderUnavailableError extends LiteStageError {
  override readonly name = 'WebProviderUnavailableError';
  constructor(
    readonly provider: WebExecutionProvider,
    reason: string,
    hint?: string,
  ) {
    super(reason, hint ? { hint } : {});
  }
}

/**
 * Opens a bundle with onnxruntime-web on one provider. Graphs and their external weights are
 * read through the bundle's `readFile` (URLs, `File`s), so nothing here needs a file system.
 * On `webgpu`, K/V caches stay on the GPU as `gpu-buffer` outputs fed back each step.
 */
async function loadOnWeb(
  provider: WebExecutionProvider,
  bundle: BundleSource,
): Promise<ModelSession> {
  const ort = await loadOnnxruntimeWeb();
  const createSession = async (graph: BundleGraph, options: OrtSessionOptions) => {
    const model = await bundle.readFile(graph.file);
    const externalData = graph.externalData
      ? [{ path: graph.externalData, data: await bundle.readFile(graph.externalData) }]
      : undefined;
    return ort.InferenceSession.create(model, {
      ...options,
      ...(externalData ? { externalData } : {}),
    });
  };
  return openOrtModelSession({
    ort,
    backend: 'web',
    executionProvider: provider,
    manifest: bundle.manifest,
    sessionOptions: bundleSessionOptions(bundle.manifest, provider),
    deviceCaches: provider === 'webgpu',
    createSession,
  });
}

/**
 * onnxruntime-web over the requested providers (`wasm` when none is given), tried in order:
 * a provider that fails to load is reported, not silently replaced (onnxruntime-web's own
 * `['webgpu', 'wasm']` drops to wasm without a word when there is no adapter).
 */
export const webBackend: Backend = {
  async init() {
    await loadOnnxruntimeWeb();
  },

  async load(bundle: BundleSource, options: LoadOptions = {}): Promise<ModelSession> {
    const requested = options.executionProviders ?? ['wasm'];
    if (options.kvCache === 'in-place') {
      // onnxruntime-web returns pre-allocated outputs unwritten: caches cannot stay in place.
      throw new Error('onnxruntime-web cannot keep K/V in place: leave kvCache unset or copy');
    }
    const failures: string[] = [];
    for (const name of requested) {
      if (!(WEB_EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
        failures.push(
          `${name}: not an onnxruntime-web execution provider LiteStage runs on (${WEB_EXECUTION_PROVIDERS.join(', ')})`,
        );
        continue;
      }
      const provider = name as WebExecutionProvider;
      try {
        if (provider === 'webgpu') {
          const probe = await probeWebGpu();
          if (!probe.usable) throw new Error(probe.reason);
        }
        return await loadOnWeb(provider, bundle);
      } catch (error) {
        failures.push(`${provider}: ${messageOf(error)}`);
      }
    }
    throw new Error(
      `cannot load ${bundle.location} with onnxruntime-web:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
  },
};

/**
 * onnxruntime-web on one provider, as a backend of its own (registered on import as
 * `webgpu` and `wasm`): `init` loads onnxruntime-web and, for `webgpu`, asks the browser for
 * an adapter, failing with the reason and a hint. A fallback adapter (SwiftShader) passes:
 * asked for by name, `webgpu` runs on it; `chooseWebDevice('auto')` passes it over for wasm.
 */
export function webDeviceBackend(provider: WebExecutionProvider): Backend {
  return {
    async init() {
      try {
        await loadOnnxruntimeWeb();
      } catch (error) {
        const hint = (error as { hint?: unknown }).hint;
        throw new WebProviderUnavailableError(
          provider,
          messageOf(error),
          typeof hint === 'string' ? hint : undefined,
        );
      }
      if (provider === 'webgpu') {
        const probe = await probeWebGpu();
        if (!probe.usable)
          throw new WebProviderUnavailableError(provider, probe.reason, probe.hint);
      }
    },
    load(bundle: BundleSource, options: LoadOptions = {}): Promise<ModelSession> {
      return webBackend.load(bundle, { ...options, executionProviders: [provider] });
    },
  };
}
