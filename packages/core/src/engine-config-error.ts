import { LiteStageError } from '@litestage/errors';

/** A profile or setup that cannot run on this bundle and format, found before any work. */
export class EngineConfigError extends LiteStageError {
  override readonly name = 'EngineConfigError';
}
