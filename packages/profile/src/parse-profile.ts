import type { z } from 'zod';
import { crossCheckProfile } from './cross-check.js';
import { type MigrateOptions, migrateProfile } from './migrate.js';
import { formatJsonPath, ProfileError, type ProfileIssue } from './profile-error.js';
import { type Profile, profileSchema } from './schema.js';

export interface ParseProfileOptions extends Pick<MigrateOptions, 'migrations'> {
  /** Named in the error message, e.g. the file the profile came from. */
  readonly source?: string;
}

export type ProfileParseResult =
  | { readonly success: true; readonly profile: Profile }
  | { readonly success: false; readonly error: ProfileError };

/**
 * Reads a profile from JSON text or an already parsed value: migrates it to the current
 * schema version, validates its structure and the rules between fields, and returns it
 * typed. Throws a `ProfileError` that lists every problem with its JSON path.
 */
export function parseProfile(input: unknown, options: ParseProfileOptions = {}): Profile {
  const result = safeParseProfile(input, options);
  if (!result.success) throw result.error;
  return result.profile;
}

/** Like `parseProfile`, but returns the error instead of throwing it. */
export function safeParseProfile(
  input: unknown,
  options: ParseProfileOptions = {},
): ProfileParseResult {
  const fail = (issues: readonly ProfileIssue[]) => ({
    success: false as const,
    error: new ProfileError(issues, options.source),
  });

  let document: unknown = input;
  if (typeof input === 'string') {
    try {
      document = JSON.parse(input);
    } catch (error) {
      return fail([{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }]);
    }
  }

  let migrated: Record<string, unknown>;
  try {
    migrated = migrateProfile(document, options);
  } catch (error) {
    if (error instanceof ProfileError) return fail(error.issues);
    throw error;
  }

  const structural = profileSchema.safeParse(migrated);
  const issues = [
    ...(structural.success ? [] : structural.error.issues.flatMap(toProfileIssues)),
    ...crossCheckProfile(migrated),
  ];
  if (issues.length > 0 || !structural.success) {
    return fail(inDocumentOrder(dedupe(issues), migrated));
  }
  return { success: true, profile: structural.data };
}

function toProfileIssues(issue: z.core.$ZodIssue): ProfileIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatJsonPath([...issue.path, key]),
      message:
        'unknown field (profiles reject unknown fields; plugin data goes under "extensions")',
    }));
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [
      {
        path: formatJsonPath(issue.path),
        message: `required field is missing (expected ${issue.expected})`,
      },
    ];
  }
  return [{ path: formatJsonPath(issue.path), message: issue.message }];
}

function dedupe(issues: ProfileIssue[]): ProfileIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Orders issues as their places appear in the document, so a long report reads top to
 * bottom, except that provenance comes last wherever the document puts it: runtimes do not
 * need it, and its problems usually follow from one elsewhere (a renamed stage). A missing
 * field sorts with its parent; ties keep their order.
 */
function inDocumentOrder(issues: ProfileIssue[], document: unknown): ProfileIssue[] {
  const rank = new Map<string, number>();
  const visit = (node: unknown, path: PropertyKey[]) => {
    rank.set(formatJsonPath(path), rank.size);
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) visit(item, [...path, i]);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node)) visit(value, [...path, key]);
    }
  };
  visit(document, []);
  const rankOf = (path: string): number => {
    for (let p = path; ; ) {
      const found = rank.get(p);
      if (found !== undefined) return found;
      const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      if (cut <= 0) return 0;
      p = p.slice(0, cut);
    }
  };
  const isProvenance = (path: string) => (/^provenance\b/.test(path) ? 1 : 0);
  return issues
    .map((issue, index) => ({
      issue,
      index,
      rank: rankOf(issue.path),
      late: isProvenance(issue.path),
    }))
    .sort((a, b) => a.late - b.late || a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.issue);
}
