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

export class BackendResolutionError extends LiteStageError {
  override readonly name = 'BackendResolutionError';
  constructor(readonly failures: readonly { readonly backend: string; readonly reason: string }[]) {
    super(
      failures.length === 0
        ? 'no backend is registered: import one, e.g. `import "@litestage/backend-node"`'
        : `no usable backend:\n${failures.map((f) => `  - ${f.backend}: ${f.reason}`).join('\n')}`,
    );
  }
}

/**
 * The first backend that initializes, among `hints` in their order, or all registered
 * backends by priority. Fails with one error listing why each was unusable.
 */
export async function resolveBackend(
  hints?: readonly string[],
): Promise<{ name: string; backend: Backend }> {
  const names = hints && hints.length > 0 ? hints : listBackends();
  const failures: { backend: string; reason: string }[] = [];
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
      return { name, backend: entry.backend };
    } catch (error) {
      entry.initialized = undefined;
      failures.push({
        backend: name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  throw new BackendResolutionError(failures);
}
