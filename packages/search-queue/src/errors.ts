import { LiteStageError } from '@litestage/errors';

/** A `--queue` address that is not a Redis URL. */
export class QueueOptionError extends LiteStageError {
  override readonly name = 'QueueOptionError';
}

/** Redis could not be reached, or was lost while a search waited on it. */
export class QueueConnectionError extends LiteStageError {
  override readonly name = 'QueueConnectionError';
}

/** An evaluation job failed on a worker (a bundle mismatch, a broken bundle, a crash). */
export class QueueJobError extends LiteStageError {
  override readonly name = 'QueueJobError';
}
