/**
 * Hand-made Hugging Face `tokenizer.json` files, small enough to reason about in tests: a
 * GPT-2/Qwen2-style byte-level BPE and a Llama-2-style SentencePiece BPE with byte fallback.
 */

export interface TinyHfTokenizer {
  /** Text of `tokenizer.json`. */
  readonly tokenizerJson: string;
  /** Text of `tokenizer_config.json`. */
  readonly config: string;
  /** Token ids by piece, for writing expectations. */
  readonly ids: ReadonlyMap<string, number>;
}

interface AddedTokenSpec {
  readonly id: number;
  readonly content: string;
  readonly special: boolean;
}

function addedTokens(tokens: readonly AddedTokenSpec[]) {
  return tokens.map(({ id, content, special }) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special,
  }));
}

/**
 * The byte-level alphabet: byte b is written as one printable character, itself for printable
 * Latin-1 bytes and U+0100 onwards, in byte order, for the rest (so space is "Ġ", newline "Ċ").
 */
export function byteLevelAlphabet(): string[] {
  const printable = (byte: number) =>
    (byte >= 0x21 && byte <= 0x7e) ||
    (byte >= 0xa1 && byte <= 0xac) ||
    (byte >= 0xae && byte <= 0xff);
  const alphabet: string[] = [];
  let nextSubstitute = 0x100;
  for (let byte = 0; byte < 256; byte++) {
    alphabet.push(String.fromCharCode(printable(byte) ? byte : nextSubstitute++));
  }
  return alphabet;
}

/** Adds `merges` to `vocab` in order, each merged piece taking the next id. */
function addMerges(vocab: Map<string, number>, merges: readonly (readonly [string, string])[]) {
  for (const [left, right] of merges) {
    if (!vocab.has(left) || !vocab.has(right))
      throw new Error(`merge ${left} ${right}: unknown part`);
    if (!vocab.has(left + right)) vocab.set(left + right, vocab.size);
  }
}

/**
 * Byte-level BPE in the shape of Qwen2's: ids 0..255 are the bytes, then merged pieces, then
 * `<|endoftext|>`, `<|im_start|>`, `<|im_end|>` (special). No BOS; EOS is `<|im_end|>`.
 * `cleanUpSpaces` sets the config's clean_up_tokenization_spaces.
 */
export function tinyByteLevelBpe(options: { cleanUpSpaces?: boolean } = {}): TinyHfTokenizer {
  const alphabet = byteLevelAlphabet();
  const vocab = new Map(alphabet.map((piece, byte) => [piece, byte]));
  const merges: [string, string][] = [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['Ġ', 'a'],
    ['i', 'n'],
    ['o', 'n'],
    ['Ġ', 's'],
    ['a', 't'],
    ['Ġs', 'at'],
    ['Ġ', 'c'],
    ['Ġc', 'at'],
    ['n', 'd'],
    ['Ġa', 'nd'],
    ['Ċ', 'Ċ'],
  ];
  addMerges(vocab, merges);
  const special = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'].map((content, index) => ({
    id: vocab.size + index,
    content,
    special: true,
  }));
  for (const { content, id } of special) vocab.set(content, id);
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(special),
    normalizer: null,
    pre_tokenizer: {
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: false,
      use_regex: true,
    },
    post_processor: {
      type: 'ByteLevel',
      add_prefix_space: false,
      trim_offsets: false,
      use_regex: true,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries([...vocab].filter(([piece]) => !piece.startsWith('<|'))),
      merges,
    },
  };
  const config = {
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    clean_up_tokenization_spaces: options.cleanUpSpaces ?? false,
    model_max_length: 32768,
    tokenizer_class: 'Qwen2Tokenizer',
  };
  return { tokenizerJson: JSON.stringify(tokenizer), config: JSON.stringify(config), ids: vocab };
}

/**
 * SentencePiece-style BPE in the shape of Llama 2's: `<unk>` 0, `<s>` 1, `</s>` 2, byte
 * fallback `<0x00>`..`<0xFF>` at 3..258, then "▁" (259), ASCII letters and punctuation, then
 * merged pieces. The normalizer prepends "▁" and turns spaces into "▁"; the post-processor adds
 * `<s>`. `addBosToken` sets the config's add_bos_token (omitted when undefined).
 */
export function tinySentencePieceBpe(options: { addBosToken?: boolean } = {}): TinyHfTokenizer {
  const vocab = new Map<string, number>([
    ['<unk>', 0],
    ['<s>', 1],
    ['</s>', 2],
  ]);
  for (let byte = 0; byte < 256; byte++) {
    vocab.set(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`, vocab.size);
  }
  for (const piece of ['▁', ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,!?\'"']) {
    vocab.set(piece, vocab.size);
  }
  const merges: [string, string][] = [
    ['▁', 't'],
    ['h', 'e'],
    ['▁t', 'he'],
    ['▁', 'a'],
    ['i', 'n'],
    ['o', 'n'],
    ['▁', 'O'],
    ['▁O', 'n'],
    ['c', 'e'],
    ['▁On', 'ce'],
  ];
  addMerges(vocab, merges);
  const special = [
    { id: 0, content: '<unk>', special: true },
    { id: 1, content: '<s>', special: true },
    { id: 2, content: '</s>', special: true },
  ];
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens(special),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab),
      // The older "left right" string form, as Llama 2's tokenizer.json writes merges.
      merges: merges.map(([left, right]) => `${left} ${right}`),
    },
  };
  const addedToken = (content: string) => ({
    __type: 'AddedToken',
    content,
    lstrip: false,
    normalized: false,
    rstrip: false,
    single_word: false,
  });
  const config: Record<string, unknown> = {
    add_eos_token: false,
    bos_token: addedToken('<s>'),
    eos_token: addedToken('</s>'),
    unk_token: addedToken('<unk>'),
    clean_up_tokenization_spaces: false,
    legacy: true,
    tokenizer_class: 'LlamaTokenizer',
  };
  if (options.addBosToken !== undefined) config.add_bos_token = options.addBosToken;
  return { tokenizerJson: JSON.stringify(tokenizer), config: JSON.stringify(config), ids: vocab };
}
