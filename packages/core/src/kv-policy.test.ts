import { type RuntimePolicy, runtimePolicySchema } from '@litestage/profile';
import { describe, expect, it } from 'vitest';
import { EngineConfigError } from './engine-config-error.js';
import {
  checkKvPolicy,
  defaultKvPolicy,
  KV_POLICIES,
  KV_POLICY_MEANINGS,
  type KvPolicy,
  prepareStageSequence,
} from './kv-policy.js';
import { ScriptedSession } from './test-utils/scripted-session.js';

// Both ways assignable: the profile's enum and this list name the same policies.
const fromProfile: KvPolicy = 'reuse' as RuntimePolicy['kvPolicy'];
const toProfile: RuntimePolicy['kvPolicy'] = fromProfile;

describe('KV policies', () => {
  it("are the profile schema's, in the same order, each with a meaning", () => {
    expect(runtimePolicySchema.shape.kvPolicy.options).toEqual([...KV_POLICIES]);
    expect(Object.keys(KV_POLICY_MEANINGS)).toEqual([...KV_POLICIES]);
    expect(toProfile).toBe('reuse');
  });

  it('fit a bundle only when it was built for propagate exactly when the policy is propagate', () => {
    const plain = { propagateKv: false };
    const propagating = { propagateKv: true };
    expect(defaultKvPolicy(plain)).toBe('reprefill');
    expect(defaultKvPolicy(propagating)).toBe('propagate');
    expect(() => checkKvPolicy('reuse', plain)).not.toThrow();
    expect(() => checkKvPolicy('propagate', plain)).toThrow(EngineConfigError);
    expect(() => checkKvPolicy('reprefill', propagating)).toThrow(/built for the propagate/);
  });

  it('prepare a stage: reprefill empties the sequence, the others keep the common prefix', () => {
    const session = new ScriptedSession(() => new Float32Array(1));
    const sequence = session.createSequence();
    const held = [1, 5, 6, 7];
    expect(prepareStageSequence('reprefill', sequence, held, [1, 5, 6, 7, 8])).toEqual({
      keptIds: 0,
      newIds: [1, 5, 6, 7, 8],
    });
    expect(sequence.length).toBe(0);
    // Tokenization diverged at the third id: the cache is cut back there.
    void session.step(sequence, { tokens: held });
    expect(prepareStageSequence('reuse', sequence, held, [1, 5, 9, 7, 8])).toEqual({
      keptIds: 2,
      newIds: [9, 7, 8],
    });
    expect(sequence.length).toBe(2);
    // A prompt the sequence already holds whole still feeds its last id.
    expect(prepareStageSequence('propagate', sequence, [1, 5], [1, 5])).toEqual({
      keptIds: 1,
      newIds: [5],
    });
    expect(sequence.length).toBe(1);
  });
});
