import { type BundleManifest, fullDepthProfile, type TaskFormat } from '@litestage/core';
import type { Profile } from '@litestage/profile';

/** The two runs the page puts side by side. */
export const METHODS = ['full', 'litestage'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_TITLES: Readonly<Record<Method, string>> = {
  full: 'Full depth',
  litestage: 'LiteStage',
};

/**
 * The profile each run uses: LiteStage's shipped profile, and the full-depth baseline with
 * the same token caps and KV policy, so the only differences are the skipped sub-layers and
 * early exit (as `litestage run --compare` measures them).
 */
export function comparedProfiles(
  profile: Profile,
  manifest: BundleManifest,
  format: TaskFormat,
): Readonly<Record<Method, Profile>> {
  const maxNewTokens = Object.fromEntries(
    Object.entries(profile.stages).map(([name, stage]) => [name, stage.maxNewTokens]),
  );
  return {
    full: fullDepthProfile(manifest, format, { kvPolicy: profile.runtime.kvPolicy, maxNewTokens }),
    litestage: profile,
  };
}
