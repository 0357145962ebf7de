import { LiteStageError } from '@litestage/errors';

/** A tokenizer file that cannot be used, or text its vocabulary cannot encode. */
export class TokenizerError extends LiteStageError {
  override readonly name = 'TokenizerError';
}
