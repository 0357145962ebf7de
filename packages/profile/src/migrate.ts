import { ProfileError } from './profile-error.js';
import { PROFILE_SCHEMA_VERSION } from './schema.js';

/** Turns a document of schema version n into one of version n + 1. */
export type ProfileMigration = (document: Record<string, unknown>) => Record<string, unknown>;

/**
 * Migrations keyed by the version they read: `migrations.get(n)` upgrades n to n + 1.
 * Version 1 is the first published schema, so there is nothing to migrate yet; when the
 * schema changes, its version goes up and the step from the old version is added here.
 */
export const profileMigrations: ReadonlyMap<number, ProfileMigration> = new Map();

export interface MigrateOptions {
  /** Defaults to the migrations of this package. */
  readonly migrations?: ReadonlyMap<number, ProfileMigration>;
  /** Defaults to the schema version this package reads. */
  readonly targetVersion?: number;
}

/**
 * Brings a profile document to `targetVersion` by applying migrations one version at a
 * time. A document newer than the target is refused: an old reader must not guess.
 */
export function migrateProfile(
  document: unknown,
  options: MigrateOptions = {},
): Record<string, unknown> {
  const migrations = options.migrations ?? profileMigrations;
  const target = options.targetVersion ?? PROFILE_SCHEMA_VERSION;
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ProfileError([{ path: '(root)', message: 'expected a JSON object' }]);
  }
  let current = document as Record<string, unknown>;
  let version = readVersion(current);
  if (version > target) {
    throw new ProfileError([
      {
        path: 'schemaVersion',
        message: `profile schema version ${version} is newer than the ${target} this @litestage/profile reads; upgrade @litestage/profile`,
      },
    ]);
  }
  while (version < target) {
    const step = migrations.get(version);
    if (!step) {
      throw new ProfileError([
        {
          path: 'schemaVersion',
          message: `no migration from profile schema version ${version} to ${version + 1}`,
        },
      ]);
    }
    const next = step(structuredClone(current));
    const nextVersion = readVersion(next);
    if (nextVersion !== version + 1) {
      throw new ProfileError([
        {
          path: 'schemaVersion',
          message: `the migration from version ${version} produced version ${nextVersion}, expected ${version + 1}`,
        },
      ]);
    }
    current = next;
    version = nextVersion;
  }
  return current;
}

function readVersion(document: Record<string, unknown>): number {
  const version = document.schemaVersion;
  if (version === undefined) {
    throw new ProfileError([{ path: 'schemaVersion', message: 'required field is missing' }]);
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    throw new ProfileError([
      {
        path: 'schemaVersion',
        message: `expected a non-negative integer, received ${JSON.stringify(version)}`,
      },
    ]);
  }
  return version;
}
