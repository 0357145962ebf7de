import type { BundleManifest, Sequence } from './backend.js';
import { EngineConfigError } from './engine-config-error.js';

/**
 * What happens to the K/V cache between the stages of one question: a profile's
 * `runtime.kvPolicy`. `@litestage/profile` keeps its own copy of the names in its schema (it
 * depends on no package); a test checks that both lists are the same.
 */
export const KV_POLICIES = ['reprefill', 'reuse', 'propagate'] as const;
export type KvPolicy = (typeof KV_POLICIES)[number];

/** What each policy does, for help texts. */
export const KV_POLICY_MEANINGS: Readonly<Record<KvPolicy, string>> = {
  reprefill: "every stage recomputes its whole prompt with its own skip set (the paper's picture)",
  reuse:
    'the cache is kept and each stage feeds only the new part of its prompt; a layer attends only to the positions where it ran',
  propagate:
    'as reuse, on a bundle built so that a skipped attention sub-layer still writes its K/V, so later stages find complete caches',
};

/** The bundle property a policy needs: only `propagate` runs on a bundle built with `propagateKv`. */
export function bundleFitsKvPolicy(
  policy: KvPolicy,
  manifest: Pick<BundleManifest, 'propagateKv'>,
): boolean {
  return (policy === 'propagate') === manifest.propagateKv;
}

/** The policy a bundle runs with unless told otherwise: the only one it fits when built for `propagate`. */
export function defaultKvPolicy(manifest: Pick<BundleManifest, 'propagateKv'>): KvPolicy {
  return manifest.propagateKv ? 'propagate' : 'reprefill';
}

/** Throws an `EngineConfigError` when the bundle was not built for `policy`. */
export function checkKvPolicy(policy: KvPolicy, manifest: Pick<BundleManifest, 'propagateKv'>) {
  if (bundleFitsKvPolicy(policy, manifest)) return;
  if (policy === 'propagate') {
    throw new EngineConfigError(
      'the profile uses the propagate KV policy, but the bundle was not built for it',
      { hint: 'convert the checkpoint again with the propagateKv option' },
    );
  }
  throw new EngineConfigError(
    `the bundle was built for the propagate KV policy, but the profile says "${policy}"`,
  );
}

/**
 * Prepares `sequence` for a stage whose whole prompt is `promptIds`, given the ids it holds
 * (`heldIds`, which the caller keeps in step): `reprefill` empties it; the others keep the
 * longest common prefix (truncating where the tokenization diverged), but always leave at
 * least one prompt id to feed, since the last prompt id's logits start the stage. Returns
 * how many held ids stay and the ids to feed.
 */
export function prepareStageSequence(
  policy: KvPolicy,
  sequence: Sequence,
  heldIds: readonly number[],
  promptIds: readonly number[],
): { readonly keptIds: number; readonly newIds: readonly number[] } {
  if (policy === 'reprefill') {
    sequence.reset();
    return { keptIds: 0, newIds: promptIds };
  }
  const keptIds = Math.min(commonPrefixLength(heldIds, promptIds), promptIds.length - 1);
  if (keptIds < heldIds.length) sequence.truncate(keptIds);
  return { keptIds, newIds: promptIds.slice(keptIds) };
}

function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
