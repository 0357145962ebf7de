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
  /**
   * How many characters at the end of a decoded text more ids may still change, besides
   * trailing whitespace and an incomplete character (which `TextStreamer` always holds back);
   * 0 when omitted. A tokenizer that cleans up tokenization spaces (`" ."` to `"."`) says how
   * far back that can reach.
   */
  readonly decodeReach?: number;
}
