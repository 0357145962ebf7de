import { LiteStageError } from '@litestage/errors';
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
    expect(chosen.passedOver).toEqual([
      { backend: 'test-broken', reason: 'CUDA provider library not found' },
    ]);
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

  it('fails on one backend with one line and the hint its init gave', async () => {
    registerBackend(
      'test-hinted',
      {
        async init() {
          throw new LiteStageError('no adapter found', { hint: 'install a Vulkan driver' });
        },
        async load(): Promise<never> {
          throw new Error('not used here');
        },
      },
      1,
    );
    const error = await resolveBackend(['test-hinted']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendResolutionError);
    expect((error as BackendResolutionError).message).toBe(
      'backend test-hinted is unusable: no adapter found',
    );
    expect((error as BackendResolutionError).hint).toBe('install a Vulkan driver');
    expect((error as BackendResolutionError).failures).toEqual([
      { backend: 'test-hinted', reason: 'no adapter found', hint: 'install a Vulkan driver' },
    ]);
  });

  it('keeps a higher-priority registration', async () => {
    const first = fakeBackend();
    registerBackend('test-shared', first, 10);
    registerBackend('test-shared', fakeBackend(), 5);
    expect((await resolveBackend(['test-shared'])).backend).toBe(first);
  });
});
