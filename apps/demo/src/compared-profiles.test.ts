import { readFile } from 'node:fs/promises';
import { demoProfilePath } from '@litestage/demo-model';
import { parseProfile } from '@litestage/profile';
import { getTaskFormat } from '@litestage/tasks';
import { describe, expect, it } from 'vitest';
import { comparedProfiles } from './compared-profiles.js';

describe('comparedProfiles', () => {
  it('puts the shipped profile beside full depth with the same caps and KV policy', async () => {
    const profile = parseProfile(await readFile(demoProfilePath('v2'), 'utf8'));
    const manifest = {
      name: profile.model.name,
      architecture: profile.model.architecture,
      numLayers: profile.model.numLayers,
      fingerprint: profile.model.fingerprint,
      propagateKv: false,
    };
    const { full, litestage } = comparedProfiles(
      profile,
      manifest as Parameters<typeof comparedProfiles>[1],
      getTaskFormat('synthetic'),
    );
    expect(litestage).toBe(profile);
    expect(full.model).toEqual(profile.model);
    expect(full.runtime.kvPolicy).toBe(profile.runtime.kvPolicy);
    for (const [name, stage] of Object.entries(profile.stages)) {
      expect(stage.skip.length).toBeGreaterThan(0);
      expect(full.stages[name]).toEqual({
        skip: [],
        earlyExit: null,
        maxNewTokens: stage.maxNewTokens,
      });
    }
  });
});
