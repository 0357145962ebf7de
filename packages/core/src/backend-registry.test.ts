import { describe, expect, it } from 'vitest';
import type { Backend } from './backend.js';
import {
  BackendResolutionError,
  listBackends,
  registerBackend,
  resolveBackend,
} from './backend-registry.js';

function fakeBackend(failure?: string): Backend & { inits: number } {
  const backend = {
    inits: 0,
    async init() {
      backend.inits++;
      if (failure) throw new Error(failure);
    },
    async load(): Promise<never> {
      throw new Error('not used here');
    },
  };
  return backend;
}

describe('the backend registry', () => {
  it('resolves by priority, skipping backends that fail, and lists every failure', async () => {
    const broken = fakeBackend('CUDA provider library not found');
    const slow = fakeBackend();
    registerBackend('test-broken', broken, 100);
    registerBackend('test-slow', slow, 50);
    expect(listBackends().indexOf('test-broken')).toBeLessThan(listBackends().indexOf('test-slow'));
    const chosen = await resolveBackend(['test-broken', 'test-slow']);
    expect(chosen.name).toBe('test-slow');
    expect(chosen.backend).toBe(slow);
    await resolveBackend(['test-slow']);
    expect(slow.inits).toBe(1);

    const error = await resolveBackend(['test-broken', 'test-missing']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendResolutionError);
    expect((error as Error).message).toBe(
      'no usable backend:\n' +
        '  - test-broken: CUDA provider library not found\n' +
        `  - test-missing: not registered (registered: ${listBackends().join(', ')})`,
    );
  });

  it('keeps a higher-priority registration', async () => {
    const first = fakeBackend();
    registerBackend('test-shared', first, 10);
    registerBackend('test-shared', fakeBackend(), 5);
    expect((await resolveBackend(['test-shared'])).backend).toBe(first);
  });
});
