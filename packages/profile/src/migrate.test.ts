import { describe, expect, it } from 'vitest';
import { migrateProfile, type ProfileMigration } from './migrate.js';
import { parseProfile } from './parse-profile.js';
import { ProfileError } from './profile-error.js';
import { minimalProfile } from './test-utils/profiles.js';

/** A made-up version 0 that kept the skip list under another name, as an old writer might. */
function versionZeroProfile(): Record<string, unknown> {
  const { schemaVersion: _dropped, stages, ...rest } = minimalProfile();
  return {
    ...rest,
    schemaVersion: 0,
    stages: Object.fromEntries(
      Object.entries(stages).map(([name, { skip, ...settings }]) => [
        name,
        { skippedSubLayers: skip, ...settings },
      ]),
    ),
  };
}

const zeroToOne: ProfileMigration = (doc) => {
  const stages = doc.stages as Record<string, Record<string, unknown>>;
  for (const settings of Object.values(stages)) {
    settings.skip = settings.skippedSubLayers;
    delete settings.skippedSubLayers;
  }
  return { ...doc, schemaVersion: 1 };
};

describe('migrateProfile', () => {
  it('leaves a current profile as it is', () => {
    expect(migrateProfile(minimalProfile())).toEqual(minimalProfile());
  });

  it('upgrades an old profile through parseProfile', () => {
    const old = versionZeroProfile();
    expect(() => parseProfile(old)).toThrow(/no migration from profile schema version 0 to 1/);
    const migrations = new Map([[0, zeroToOne]]);
    expect(parseProfile(old, { migrations })).toEqual(minimalProfile());
    // The input is not modified.
    expect(old).toEqual(versionZeroProfile());
  });

  it('chains steps one version at a time', () => {
    const seen: number[] = [];
    const step =
      (from: number): ProfileMigration =>
      (doc) => {
        seen.push(from);
        return { ...doc, schemaVersion: from + 1 };
      };
    const migrations = new Map([0, 1, 2].map((v) => [v, step(v)] as const));
    expect(migrateProfile({ schemaVersion: 0 }, { migrations, targetVersion: 3 })).toEqual({
      schemaVersion: 3,
    });
    expect(seen).toEqual([0, 1, 2]);
  });

  it('refuses newer, missing, malformed versions and a migration that skips a version', () => {
    expect(() => migrateProfile({ schemaVersion: 2 })).toThrow(/newer than the 1 .* upgrade/);
    expect(() => migrateProfile({})).toThrow(/schemaVersion: required field is missing/);
    expect(() => migrateProfile({ schemaVersion: '1' })).toThrow(ProfileError);
    expect(() => migrateProfile([])).toThrow(/expected a JSON object/);
    const skipping = new Map([
      [0, (doc: Record<string, unknown>) => ({ ...doc, schemaVersion: 2 })],
    ]);
    expect(() => migrateProfile({ schemaVersion: 0 }, { migrations: skipping })).toThrow(
      /produced version 2, expected 1/,
    );
  });
});
