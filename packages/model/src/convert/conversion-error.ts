import { LiteStageError } from '@litestage/errors';

/** A conversion that cannot start or finish as asked: the output folder, the tokenizer, the input path. */
export class ConversionError extends LiteStageError {
  override readonly name = 'ConversionError';
}
