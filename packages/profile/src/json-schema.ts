import { z } from 'zod';
import { PROFILE_SCHEMA_VERSION, profileSchema } from './schema.js';

export const PROFILE_JSON_SCHEMA_ID = `https://litestage.dev/schemas/profile/v${PROFILE_SCHEMA_VERSION}.json`;

/**
 * The JSON Schema (draft 2020-12) of a profile document, generated from the zod schema.
 * It checks structure only; the rules between fields (layer ranges, stage names,
 * duplicates) need `parseProfile`.
 */
export function profileJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(profileSchema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'throw',
  }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: PROFILE_JSON_SCHEMA_ID, ...rest };
}
