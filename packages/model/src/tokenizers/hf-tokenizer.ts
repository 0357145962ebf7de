import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import type { Tokenizer } from '@litestage/core';
import { TokenizerError } from './tokenizer-error.js';

export interface HuggingFaceTokenizerOptions {
  /** Text of `tokenizer_config.json`: bos_token, eos_token, add_bos_token, clean_up_tokenization_spaces. */
  readonly config?: string;
  /** Where the files came from (a folder or file path), for error messages. */
  readonly source: string;
  /** BOS id, overriding `tokenizer_config.json`; null when the model has none. */
  readonly bosTokenId?: number | null;
  /** Ids that end a sequence, overriding the config's eos_token (generation configs often list several). */
  readonly eosTokenIds?: readonly number[];
  /** Whether a sequence starts with BOS, overriding the config's add_bos_token. */
  readonly addBosToken?: boolean;
}

/** The fields of `tokenizer_config.json` read here; the rest pass through to the library untouched. */
interface TokenizerConfig {
  readonly [key: string]: unknown;
  readonly bos_token?: unknown;
  readonly eos_token?: unknown;
  readonly add_bos_token?: unknown;
  readonly clean_up_tokenization_spaces?: unknown;
}

/**
 * `clean_up_tokenization_spaces`: transformers' replacements, applied in this order, each
 * globally left to right. Applied here rather than by the library so their reach is known
 * (`decodeReach`, which lets a streamer know what later tokens may still change).
 */
const CLEANUP_REPLACEMENTS: readonly (readonly [string, string])[] = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

/**
 * Appending text changes what one replacement pass does only within (pattern length - 1)
 * characters of the end of what earlier passes left unsettled, so the cleanup of a text and of
 * any continuation of it differ at most in the spaces among its last this-many characters.
 */
const CLEANUP_REACH = CLEANUP_REPLACEMENTS.reduce((sum, [pattern]) => sum + pattern.length - 1, 0);

function cleanUpTokenizationSpaces(text: string): string {
  let cleaned = text;
  for (const [pattern, replacement] of CLEANUP_REPLACEMENTS) {
    cleaned = cleaned.replaceAll(pattern, replacement);
  }
  return cleaned;
}

/**
 * A Hugging Face `tokenizer.json` (BPE, WordPiece or Unigram) through `@huggingface/tokenizers`.
 *
 * `encode` never adds the post-processor's special tokens, so stage prompts are encoded exactly
 * (special tokens written in the text, such as `<|im_start|>`, are still recognized); with
 * `addBos` it prepends BOS only for models whose tokenizer starts sequences with BOS
 * (`add_bos_token`, else whether the post-processor adds it), so callers can always ask for it.
 * `decode` skips special tokens, and cleans up tokenization spaces only when the config asks
 * for it (the Rust library and recent transformers default to not).
 */
export class HuggingFaceTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId: number | undefined;
  readonly eosTokenIds: readonly number[];
  /** Whether a sequence starts with BOS for this model (what `addBos` does). */
  readonly addsBosToken: boolean;
  /** With space cleanup, how far back a later token may remove a space; 0 without. */
  readonly decodeReach: number;

  private readonly library: HfTokenizer;
  private readonly source: string;
  private readonly cleanUpSpaces: boolean;
  /** BOS and EOS are skipped by `decode` even when tokenizer.json does not mark them special. */
  private readonly skippedIds: ReadonlySet<number>;

  private constructor(
    library: HfTokenizer,
    source: string,
    settings: {
      vocabSize: number;
      bosTokenId: number | undefined;
      eosTokenIds: readonly number[];
      addsBosToken: boolean;
      cleanUpSpaces: boolean;
    },
  ) {
    this.library = library;
    this.source = source;
    this.vocabSize = settings.vocabSize;
    this.bosTokenId = settings.bosTokenId;
    this.eosTokenIds = settings.eosTokenIds;
    this.addsBosToken = settings.addsBosToken;
    this.cleanUpSpaces = settings.cleanUpSpaces;
    this.decodeReach = settings.cleanUpSpaces ? CLEANUP_REACH : 0;
    const skipped = new Set(settings.eosTokenIds);
    if (settings.bosTokenId !== undefined) skipped.add(settings.bosTokenId);
    this.skippedIds = skipped;
  }

  /** Loads `tokenizer.json` text (and `tokenizer_config.json` text); throws naming `source`. */
  static fromJson(
    tokenizerJson: string,
    options: HuggingFaceTokenizerOptions,
  ): HuggingFaceTokenizer {
    const { source } = options;
    const tokenizerObject = parseJsonObject(tokenizerJson, source, 'tokenizer.json');
    const config: TokenizerConfig =
      options.config === undefined
        ? {}
        : parseJsonObject(options.config, source, 'tokenizer_config.json');
    let library: HfTokenizer;
    try {
      library = new HfTokenizer(tokenizerObject, flattenTokenFields(config));
    } catch (error) {
      throw new TokenizerError(
        `${source}: cannot load tokenizer.json with @huggingface/tokenizers: ${errorMessage(error)}`,
        { cause: error },
      );
    }
    // Added tokens extend the model's id-indexed vocabulary, so its length is the vocabulary size.
    // (Typed here: the library's .d.ts imports TokenizerModel in a way NodeNext cannot follow.)
    const modelVocab: readonly string[] | undefined = library.model?.vocab;
    const vocabSize = modelVocab?.length ?? 0;
    if (vocabSize === 0)
      throw new TokenizerError(`${source}: tokenizer.json has an empty vocabulary`);

    const idOfConfigToken = (field: 'bos_token' | 'eos_token'): number | undefined => {
      const content = tokenContent(config[field]);
      if (content === undefined) return undefined;
      const id = library.token_to_id(content);
      if (id === undefined) {
        throw new TokenizerError(
          `${source}: tokenizer_config.json names ${field} ${JSON.stringify(content)}, which is not in tokenizer.json's vocabulary`,
        );
      }
      return id;
    };
    const bosTokenId =
      options.bosTokenId === undefined
        ? idOfConfigToken('bos_token')
        : (options.bosTokenId ?? undefined);
    let eosTokenIds = options.eosTokenIds;
    if (eosTokenIds === undefined) {
      const configEos = idOfConfigToken('eos_token');
      eosTokenIds = configEos === undefined ? [] : [configEos];
    }
    for (const id of [...(bosTokenId === undefined ? [] : [bosTokenId]), ...eosTokenIds]) {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new TokenizerError(
          `${source}: special token id ${id} is outside the vocabulary (0..${vocabSize - 1})`,
        );
      }
    }

    let addsBosToken = false;
    if (bosTokenId !== undefined) {
      if (options.addBosToken !== undefined) addsBosToken = options.addBosToken;
      else if (typeof config.add_bos_token === 'boolean') addsBosToken = config.add_bos_token;
      else addsBosToken = postProcessorAddsBos(library, bosTokenId);
    }
    const cleanUp = config.clean_up_tokenization_spaces;
    return new HuggingFaceTokenizer(library, source, {
      vocabSize,
      bosTokenId,
      eosTokenIds,
      addsBosToken,
      cleanUpSpaces: typeof cleanUp === 'boolean' ? cleanUp : false,
    });
  }

  /** Ids of `text` without added special tokens; `addBos` prepends BOS when the model uses one. */
  encode(text: string, options?: { readonly addBos?: boolean }): number[] {
    // Typed here: the library's .d.ts imports its Encoding type without an extension, which
    // NodeNext resolution cannot follow, so it arrives as `any`.
    const { ids, tokens }: { ids: number[]; tokens: string[] } = this.library.encode(text, {
      add_special_tokens: false,
    });
    // The library yields undefined ids for pieces it cannot map when the model has no unk token.
    const unknown = ids.findIndex((id) => !Number.isInteger(id));
    if (unknown >= 0) {
      throw new TokenizerError(
        `${this.source}: cannot encode ${JSON.stringify(text.slice(0, 40))}: piece ${JSON.stringify(tokens[unknown])} ` +
          'has no id and the vocabulary has no unk token',
      );
    }
    if (options?.addBos && this.addsBosToken && this.bosTokenId !== undefined) {
      return [this.bosTokenId, ...ids];
    }
    return ids;
  }

  /** Text of `ids` with special tokens (and BOS/EOS) skipped. */
  decode(ids: readonly number[]): string {
    const text = this.decodeUncleaned(ids);
    return this.cleanUpSpaces ? cleanUpTokenizationSpaces(text) : text;
  }

  private decodeUncleaned(ids: readonly number[]): string {
    const kept: number[] = [];
    for (const id of ids) {
      this.checkId(id);
      if (!this.skippedIds.has(id)) kept.push(id);
    }
    // The library throws on an empty list; nothing decodes to nothing.
    if (kept.length === 0) return '';
    return this.library.decode(kept, {
      skip_special_tokens: true,
      clean_up_tokenization_spaces: false,
    });
  }

  private checkId(id: number): void {
    if (
      !Number.isInteger(id) ||
      id < 0 ||
      id >= this.vocabSize ||
      this.library.id_to_token(id) === undefined
    ) {
      throw new RangeError(
        `${this.source}: token id ${id} is not in the vocabulary (0..${this.vocabSize - 1})`,
      );
    }
  }
}

function parseJsonObject(text: string, source: string, fileName: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TokenizerError(`${source}: ${fileName} is not valid JSON: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TokenizerError(`${source}: ${fileName} must hold a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A special token as tokenizer_config.json writes it: a string, or an AddedToken object with `content`. */
function tokenContent(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && 'content' in value) {
    const { content } = value;
    if (typeof content === 'string') return content;
  }
  return undefined;
}

/** The library expects special-token fields as strings; configs often write AddedToken objects. */
function flattenTokenFields(config: TokenizerConfig): Record<string, unknown> {
  const flat: Record<string, unknown> = { ...config };
  for (const field of ['bos_token', 'eos_token', 'unk_token', 'pad_token']) {
    if (field in flat) flat[field] = tokenContent(flat[field]) ?? null;
  }
  const additional = flat.additional_special_tokens;
  if (Array.isArray(additional)) {
    flat.additional_special_tokens = additional
      .map((token: unknown) => tokenContent(token))
      .filter((token) => token !== undefined);
  }
  return flat;
}

/** Without add_bos_token, a model starts with BOS when its post-processor adds it. */
function postProcessorAddsBos(library: HfTokenizer, bosTokenId: number): boolean {
  try {
    const withSpecial: number[] = library.encode('a', { add_special_tokens: true }).ids;
    const without: number[] = library.encode('a', { add_special_tokens: false }).ids;
    return withSpecial[0] === bosTokenId && without[0] !== bosTokenId;
  } catch {
    return false;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
