/** Text to token ids and back; implemented by `@litestage/model` (llama2.c and Hugging Face tokenizers). */
export interface Tokenizer {
  readonly vocabSize: number;
  /** Beginning-of-sequence id, when the model has one. */
  readonly bosTokenId: number | undefined;
  /** Ids that end a sequence (several for some models). */
  readonly eosTokenIds: readonly number[];
  /** Token ids of `text`; `addBos` prepends the BOS id (default false). */
  encode(text: string, options?: { readonly addBos?: boolean }): number[];
  /** Text of a whole sequence of ids (special tokens skipped). */
  decode(ids: readonly number[]): string;
  /** A decoder for streaming: text comes out as soon as it is complete (never half a UTF-8 character). */
  createStreamDecoder(): TokenStreamDecoder;
}

export interface TokenStreamDecoder {
  /** Adds one token; returns the text it completes (possibly empty). */
  push(id: number): string;
  /** Returns whatever is still held back (an incomplete character becomes U+FFFD). */
  flush(): string;
}
