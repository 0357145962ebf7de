import { LiteStageError } from '@litestage/errors';

/** Exit code of a long command stopped by Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

/**
 * An error in how the command was called (a flag, a missing input): printed as one line, no
 * stack trace (unless --verbose). Errors from the packages are LiteStageErrors too and are
 * printed the same way, so commands need not translate them.
 */
export class CliError extends LiteStageError {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; hint?: string } = {}) {
    super(message, options.hint === undefined ? {} : { hint: options.hint });
    this.exitCode = options.exitCode ?? 1;
  }
}
