import { type Profile, parseProfile } from '@litestage/profile';
import type { BundleManifest } from './backend.js';
import { defaultKvPolicy, type KvPolicy } from './kv-policy.js';
import type { TaskFormat } from './task-format.js';

export interface FullDepthOptions {
  /** Per-stage token caps; the format's defaults otherwise. */
  readonly maxNewTokens?: Readonly<Record<string, number>>;
  /** The bundle's default (`defaultKvPolicy`) when omitted. */
  readonly kvPolicy?: KvPolicy;
}

/**
 * The profile that runs a bundle at full depth with a format: no skipped sub-layers, no
 * early exit. Every speedup is measured against it.
 */
export function fullDepthProfile(
  manifest: BundleManifest,
  format: TaskFormat,
  options: FullDepthOptions = {},
): Profile {
  return parseProfile({
    schemaVersion: 1,
    model: {
      name: manifest.name,
      architecture: manifest.architecture,
      numLayers: manifest.numLayers,
      fingerprint: manifest.fingerprint,
    },
    task: { format: format.id, stages: format.stages.map((s) => s.name) },
    stages: Object.fromEntries(
      format.stages.map((stage) => [
        stage.name,
        {
          skip: [],
          earlyExit: null,
          maxNewTokens: options.maxNewTokens?.[stage.name] ?? stage.maxNewTokens,
        },
      ]),
    ),
    runtime: {
      kvPolicy: options.kvPolicy ?? defaultKvPolicy(manifest),
      skipInPrefill: true,
    },
  });
}
