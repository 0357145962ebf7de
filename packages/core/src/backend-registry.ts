import { LiteStageError } from '@litestage/errors';
import type { Backend } from './backend.js';

interface Registered {
  readonly backend: Backend;
  readonly priority: number;
  initialized?: Promise<void>;
}

const registry = new Map<string, Registered>();

/**
 * Makes a backend available under `name`. Backends call this when their package is
 * imported; a higher priority is tried first. Registering a name again replaces it only
 * with a priority at least as high.
 */
export function registerBackend(name: string, backend: Backend, priority = 0): void {
  const existing = registry.get(name);
  if (existing && existing.backend !== backend && existing.priority > priority) return;
  registry.set(name, { backend, priority });
}

export function listBackends(): string[] {
  return [...registry.entries()]
    .sort((a, b) => b[1].priority - a[1].priority)
    .map(([name]) => name);
}

/** Why one backend could not be used, and what would make it usable when its init says so. */
export interface BackendFailure {
  readonly backend: string;
  readonly reason: string;
  readonly hint?: string;
}

/** The backend `resolveBackend` chose and the ones tried before it. */
export interface ResolvedBackend {
  readonly name: string;
  readonly backend: Backend;
  /** Backends tried first that could not be used, in the order they were tried. */
  readonly passedOver: readonly BackendFailure[];
}

export class BackendResolutionError extends LiteStageError {
  override readonly name = 'BackendResolutionError';
  constructor(readonly failures: readonly BackendFailure[]) {
    const hints = failures.flatMap((f) => (f.hint ? [f.hint] : []));
    super(
      failures.length === 0
        ? 'no backend is registered: import one, e.g. `import "@litestage/backend-node"`'
        : failures.length === 1
          ? `backend ${failures[0]?.backend} is unusable: ${failures[0]?.reason}`
          : `no usable backend:\n${failures.map((f) => `  - ${f.backend}: ${f.reason}`).join('\n')}`,
      hints.length === 0 ? {} : { hint: hints.join('; ') },
    );
  }
}

/**
 * The first backend that initializes, among `hints` in their order, or all registered
 * backends by priority, with the reasons the ones before it were passed over. Fails with
 * one error listing why each was unusable (onnxruntime's `resolveBackend` pattern: a
 * backend's `init` is its probe, run once and remembered when it succeeds).
 */
export async function resolveBackend(hints?: readonly string[]): Promise<ResolvedBackend> {
  const names = hints && hints.length > 0 ? hints : listBackends();
  const failures: BackendFailure[] = [];
  for (const name of names) {
    const entry = registry.get(name);
    if (!entry) {
      failures.push({
        backend: name,
        reason: `not registered (registered: ${listBackends().join(', ') || 'none'})`,
      });
      continue;
    }
    try {
      entry.initialized ??= entry.backend.init();
      await entry.initialized;
      return { name, backend: entry.backend, passedOver: failures };
    } catch (error) {
      entry.initialized = undefined;
      const hint = (error as { hint?: unknown } | null)?.hint;
      failures.push({
        backend: name,
        reason: error instanceof Error ? error.message : String(error),
        ...(typeof hint === 'string' ? { hint } : {}),
      });
    }
  }
  throw new BackendResolutionError(failures);
}
