import { LiteStageError } from '@litestage/errors';
/**
 * A checkpoint that cannot be read as it is: the message names the file (and the tensor or
 * config field when one is at fault) and says what to do where there is something to do.
 */
export class CheckpointError extends LiteStageError {
  override readonly name = 'CheckpointError';
  /** The file at fault: a safetensors shard, config.json, the index, a llama2.c `.bin`. */
  readonly file: string;
  /** The tensor at fault, when the problem is one tensor's. */
  readonly tensor: string | undefined;

  constructor(file: string, message: string, options?: { tensor?: string; cause?: unknown }) {
    const tensor = options?.tensor;
    super(`${file}${tensor === undefined ? '' : `: tensor "${tensor}"`}: ${message}`, {
      cause: options?.cause,
    });
    this.file = file;
    this.tensor = tensor;
  }
}

/** The error code of a failed Node file-system call (`ENOENT`, `EISDIR`, ...), if it has one. */
export function fileErrorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** A file that could not be opened, said in words a user can act on. */
export function openFailure(file: string, error: unknown, what: string): CheckpointError {
  const code = fileErrorCode(error);
  const reason =
    code === 'ENOENT'
      ? `no such file (expected ${what})`
      : code === 'EISDIR'
        ? `is a folder, expected ${what}`
        : code === 'EACCES'
          ? 'permission denied'
          : `cannot be opened (${error instanceof Error ? error.message : String(error)})`;
  return new CheckpointError(file, reason, { cause: error });
}
