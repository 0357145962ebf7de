import { LiteStageError } from '@litestage/errors';
/** One problem found in a profile: where (a JSON path such as `stages.recall.skip[2]`) and what. */
export interface ProfileIssue {
  readonly path: string;
  readonly message: string;
}

/** Thrown by `parseProfile` and friends; `issues` lists every problem found, not just the first. */
export class ProfileError extends LiteStageError {
  override readonly name = 'ProfileError';
  readonly issues: readonly ProfileIssue[];

  constructor(issues: readonly ProfileIssue[], source?: string) {
    const where = source ? ` ${source}` : '';
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      `Invalid profile${where} (${count}):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
    this.issues = issues;
  }
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['stages', 'recall', 'skip', 2]` -> `stages.recall.skip[2]`; the document itself is `(root)`. */
export function formatJsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else {
      const name = String(key);
      if (IDENTIFIER.test(name)) out += out ? `.${name}` : name;
      else out += `[${JSON.stringify(name)}]`;
    }
  }
  return out || '(root)';
}
