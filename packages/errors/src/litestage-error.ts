export interface LiteStageErrorOptions {
  /** What the user can do about it, printed after the message. */
  readonly hint?: string;
  /** The error this one explains. */
  readonly cause?: unknown;
}

/**
 * An error a user can fix: what was wrong and where, in words that name options and files,
 * never command-line flags (the CLI adds those in its hint when it knows them). Every
 * package's errors extend it, so an application needs one catch to tell a user's mistake
 * (print the message) from a bug (print the stack).
 */
export class LiteStageError extends Error {
  override readonly name: string = 'LiteStageError';
  readonly hint: string | undefined;

  constructor(message: string, options: LiteStageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
  }
}

/** Whether `error` is a LiteStage error (also across copies of this package). */
export function isLiteStageError(error: unknown): error is LiteStageError {
  if (error instanceof LiteStageError) return true;
  return (
    error instanceof Error &&
    'hint' in error &&
    Object.getPrototypeOf(error) !== Error.prototype &&
    hasLiteStageAncestor(error)
  );
}

function hasLiteStageAncestor(error: Error): boolean {
  for (let proto = Object.getPrototypeOf(error); proto; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'LiteStageError') return true;
  }
  return false;
}

/** The message and, when there is one, the hint on its own line: how a user should see it. */
export function formatError(error: LiteStageError, prefix = ''): string {
  return error.hint
    ? `${prefix}${error.message}\n${prefix}hint: ${error.hint}`
    : `${prefix}${error.message}`;
}
