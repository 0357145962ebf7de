import { availableParallelism } from 'node:os';
import type {
  Backend,
  BundleGraph,
  BundleSource,
  KvCacheMode,
  LoadOptions,
  ModelSession,
} from '@litestage/core';
import { decodeBytesPerToken, type ModelBundleManifest } from '@litestage/model';
import {
  bundleSessionOptions,
  IN_PLACE_FROM,
  inPlaceCacheRefusal,
  openOrtModelSession,
  plainAtFullDepth,
} from '@litestage/ort-session';
import * as ort from 'onnxruntime-node';
import { defaultIntraOpThreads } from './intra-op-threads.js';

export const NODE_EXECUTION_PROVIDERS = ['cuda', 'webgpu', 'cpu'] as const;
export type NodeExecutionProvider = (typeof NODE_EXECUTION_PROVIDERS)[number];

function sessionOptions(
  provider: NodeExecutionProvider,
  threads: number | undefined,
  manifest: BundleSource['manifest'],
): ort.InferenceSession.SessionOptions {
  const shared = bundleSessionOptions(manifest, provider);
  return {
    ...shared,
    // Explicit threads and no spinning: spinning threads burn the cores other work needs.
    intraOpNumThreads:
      threads ?? defaultIntraOpThreads(bytesPerToken(manifest), availableParallelism()),
    interOpNumThreads: 1,
    extra: {
      session: {
        ...shared.extra.session,
        intra_op: { allow_spinning: '0' },
        inter_op: { allow_spinning: '0' },
      },
    },
  };
}

/** Weights read per decode token, from a bundle manifest that carries the model's config. */
function bytesPerToken(manifest: BundleSource['manifest']): number | null {
  return 'config' in manifest ? decodeBytesPerToken(manifest as ModelBundleManifest) : null;
}

/**
 * From which cache length a session on `provider` keeps K/V in place, or undefined to copy
 * them: only on the CPU (onnxruntime-node writes into pre-allocated host outputs there) and
 * for bundles whose graphs can. `in-place` keeps them in place from the start, `copy` never;
 * without a choice, from `IN_PLACE_FROM` positions on, where in place measured faster. An
 * explicit `in-place` that cannot be honoured throws the reason; the default quietly copies.
 */
function inPlaceFrom(
  provider: NodeExecutionProvider,
  requested: KvCacheMode | undefined,
  manifest: BundleSource['manifest'],
): number | undefined {
  if (requested === 'copy') return undefined;
  const refusal =
    provider === 'cpu'
      ? inPlaceCacheRefusal(manifest)
      : `K/V are kept in place on the cpu provider only, not ${provider}`;
  if (refusal) {
    if (requested === 'in-place') throw new Error(`cannot keep K/V in place: ${refusal}`);
    return undefined;
  }
  return requested === 'in-place' ? 0 : IN_PLACE_FROM;
}

/**
 * onnxruntime-node: tries the requested execution providers in order (`cpu` when none is
 * given; pass e.g. `['cuda', 'cpu']`) and reports why each that failed could not be used:
 * onnxruntime does not fall back by itself. On `webgpu`, K/V caches stay on the device.
 */
export const nodeBackend: Backend = {
  async init() {
    const supported = ort.listSupportedBackends?.() ?? [];
    if (Array.isArray(supported) && supported.length === 0)
      throw new Error('onnxruntime-node lists no execution providers');
  },

  async load(bundle: BundleSource, options: LoadOptions = {}): Promise<ModelSession> {
    const requested = options.executionProviders ?? ['cpu'];
    const failures: string[] = [];
    // From disk when the bundle is local (external weights are then found beside the
    // graph); otherwise from bytes, which needs the weights inside the graph.
    const createSession = async (graph: BundleGraph, opts: ort.InferenceSession.SessionOptions) => {
      if (bundle.pathOf) return ort.InferenceSession.create(bundle.pathOf(graph.file), opts);
      if (graph.externalData) {
        throw new Error(
          `${bundle.location}: a bundle with external weights must be opened from disk`,
        );
      }
      return ort.InferenceSession.create(await bundle.readFile(graph.file), opts);
    };
    for (const name of requested) {
      if (!(NODE_EXECUTION_PROVIDERS as readonly string[]).includes(name)) {
        failures.push(
          `${name}: not an onnxruntime-node execution provider (${NODE_EXECUTION_PROVIDERS.join(', ')})`,
        );
        continue;
      }
      const provider = name as NodeExecutionProvider;
      try {
        return await openOrtModelSession({
          ort,
          backend: 'node',
          executionProvider: provider,
          manifest: bundle.manifest,
          sessionOptions: sessionOptions(provider, options.threads, bundle.manifest),
          // On WebGPU, K/V stay on the device; CPU and CUDA sessions return them to the host.
          deviceCaches: provider === 'webgpu',
          inPlaceFrom: inPlaceFrom(provider, options.kvCache, bundle.manifest),
          plainAtFullDepth: plainAtFullDepth(
            options.fullDepthGraph,
            bytesPerToken(bundle.manifest),
          ),
          createSession,
        });
      } catch (error) {
        failures.push(
          `${provider}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
        );
      }
    }
    throw new Error(
      `cannot load ${bundle.location} with onnxruntime-node:\n${failures.map((f) => `  - ${f}`).join('\n')}`,
    );
  },
};

/** Versions of the runtime that runs the model here, for a profile's provenance. */
export function nodeRuntimeVersions(): Record<string, string> {
  const versions: Record<string, string> = { node: process.versions.node };
  for (const [name, version] of Object.entries(ort.env.versions)) {
    if (typeof version === 'string') versions[`onnxruntime-${name}`] = version;
  }
  return versions;
}
