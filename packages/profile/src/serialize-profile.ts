import type { z } from 'zod';
import { parseProfile } from './parse-profile.js';
import { type Profile, profileSchema, stageNameSchema } from './schema.js';

/**
 * Writes a profile as JSON text with a stable key order, so two profiles diff cleanly:
 * object fields in schema order, stage-keyed maps in the task's stage order, any other
 * map sorted by key. The profile is validated first; an invalid one throws `ProfileError`.
 */
export function serializeProfile(profile: Profile): string {
  const valid = parseProfile(profile);
  const ordered = orderLikeSchema(profileSchema, valid, valid.task.stages);
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

type AnySchema = z.core.$ZodType;

function orderLikeSchema(
  schema: AnySchema,
  value: unknown,
  stageOrder: readonly string[],
): unknown {
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
      return value === undefined || value === null
        ? value
        : orderLikeSchema(def.innerType as AnySchema, value, stageOrder);
    case 'array':
      return (value as unknown[]).map((item) =>
        orderLikeSchema(def.element as AnySchema, item, stageOrder),
      );
    case 'object': {
      const shape = def.shape as Record<string, AnySchema>;
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [key, fieldSchema] of Object.entries(shape)) {
        if (source[key] !== undefined)
          out[key] = orderLikeSchema(fieldSchema, source[key], stageOrder);
      }
      return out;
    }
    case 'record': {
      const source = value as Record<string, unknown>;
      const keys = Object.keys(source);
      const rank = (key: string) => stageOrder.indexOf(key);
      if (def.keyType === stageNameSchema) keys.sort((a, b) => rank(a) - rank(b));
      else keys.sort();
      const out: Record<string, unknown> = {};
      for (const key of keys)
        out[key] = orderLikeSchema(def.valueType as AnySchema, source[key], stageOrder);
      return out;
    }
    default:
      return orderPlainJson(value);
  }
}

/** Values the schema leaves free (plugin extensions): objects with sorted keys. */
function orderPlainJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderPlainJson);
  if (typeof value === 'object' && value !== null) {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) out[key] = orderPlainJson(source[key]);
    return out;
  }
  return value;
}
