import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { profileJsonSchema } from './json-schema.js';
import { fullProfile, minimalProfile } from './test-utils/profiles.js';

const committedPath = new URL('../profile.schema.json', import.meta.url);

describe('profile.schema.json', () => {
  it('matches the zod source (regenerate with `pnpm --filter @litestage/profile generate:schema`)', () => {
    const committed = JSON.parse(readFileSync(committedPath, 'utf8'));
    expect(committed).toEqual(profileJsonSchema());
  });

  it('accepts valid profiles and rejects structural errors', () => {
    // Formats are not checked here: the zod pattern behind createdAt already is.
    const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false });
    const validate = ajv.compile(profileJsonSchema());
    expect(validate(fullProfile()), JSON.stringify(validate.errors)).toBe(true);
    expect(validate(minimalProfile()), JSON.stringify(validate.errors)).toBe(true);

    const broken = minimalProfile() as unknown as Record<string, Record<string, unknown>>;
    (broken.model as Record<string, unknown>).numLayers = 'eight';
    (broken.runtime as Record<string, unknown>).extra = true;
    expect(validate(broken)).toBe(false);
    expect(validate.errors?.map((e) => e.instancePath).sort()).toEqual([
      '/model/numLayers',
      '/runtime',
    ]);
  });
});
