import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { TextStreamer } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import { describe, expect, it } from 'vitest';
import { randomTexts } from '../test-utils/random-texts.js';
import { streamDecode } from '../test-utils/stream-decode.js';
import {
  type TinyHfTokenizer,
  tinyByteLevelBpe,
  tinySentencePieceBpe,
} from '../testing/tiny-hf-tokenizers.js';
import { HuggingFaceTokenizer } from './hf-tokenizer.js';
import { TokenizerError } from './tokenizer-error.js';

/** Words, spaces, punctuation space cleanup touches, and 2-, 3- and 4-byte characters. */
const proseAlphabet = [..."the  andOc.,'sm!?\n", 'é', '日', '🦙'];
/** Dense in the patterns space cleanup rewrites (" n't", " ' ", " 's", " ."...), chained. */
const cleanupAlphabet = [' ', ' ', ' ', "'", "'", 'n', 't', 's', 'm', 'v', 'e', 'r', '.', ',', '?'];

function proseTexts(count: number): string[] {
  return randomTexts(12345, count, 40, proseAlphabet);
}

function loadTiny(files: TinyHfTokenizer, source: string): HuggingFaceTokenizer {
  return HuggingFaceTokenizer.fromJson(files.tokenizerJson, { config: files.config, source });
}

const samples = [
  'the cat sat and the dog',
  'Once upon a time, there was a cat.',
  '  leading spaces and trailing  ',
  'lines\n\nand\ttabs',
  'café, naïve, 日本語 and a llama 🦙 emoji',
];

describe('HuggingFaceTokenizer with a byte-level BPE (Qwen2-style)', () => {
  const files = tinyByteLevelBpe();
  const tokenizer = loadTiny(files, 'tiny-byte-level');
  const id = (piece: string) => files.ids.get(piece)!;

  it('reads the special tokens from tokenizer_config.json', () => {
    expect(tokenizer.vocabSize).toBe(files.ids.size);
    expect(tokenizer.bosTokenId).toBeUndefined();
    expect(tokenizer.eosTokenIds).toEqual([id('<|im_end|>')]);
    expect(tokenizer.addsBosToken).toBe(false);
  });

  it('encodes by the merges, without adding special tokens', () => {
    expect(tokenizer.encode('the cat sat and the')).toEqual([
      id('t'),
      id('he'),
      id('Ġcat'),
      id('Ġsat'),
      id('Ġand'),
      id('Ġthe'),
    ]);
    // No BOS to add: addBos changes nothing.
    expect(tokenizer.encode('the', { addBos: true })).toEqual([id('t'), id('he')]);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('recognizes special tokens written in the text and skips them when decoding', () => {
    const ids = tokenizer.encode('<|im_start|>user\nhi<|im_end|>');
    expect(ids).toEqual([
      id('<|im_start|>'),
      ...'user'.split('').map(id),
      id('Ċ'),
      id('h'),
      id('i'),
      id('<|im_end|>'),
    ]);
    expect(tokenizer.decode(ids)).toBe('user\nhi');
    expect(streamDecode(tokenizer, ids).join('')).toBe('user\nhi');
    expect(tokenizer.decode([])).toBe('');
    expect(tokenizer.decode([id('<|im_end|>')])).toBe('');
  });

  it('round-trips text, and streaming gives exactly what decode gives', () => {
    for (const text of [...samples, ...proseTexts(30)]) {
      const ids = tokenizer.encode(text);
      expect(tokenizer.decode(ids)).toBe(text);
      const chunks = streamDecode(tokenizer, ids);
      expect(chunks.join('')).toBe(text);
      for (const chunk of chunks) expect(chunk).not.toContain('\uFFFD');
    }
  });

  it('streams a multi-byte character only once all its bytes have arrived', () => {
    const ids = tokenizer.encode('🦙!');
    expect(ids).toHaveLength(5);
    expect(streamDecode(tokenizer, ids)).toEqual(['', '', '', '🦙', '!', '']);
    expect(streamDecode(tokenizer, [ids[0]!])).toEqual(['', '\uFFFD']);
  });

  it('holds whitespace back until the next token, and the end releases it', () => {
    expect(streamDecode(tokenizer, [id('t'), id('Ġ'), id('a'), id('Ċ')])).toEqual([
      't',
      '',
      ' a',
      '',
      '\n',
    ]);
  });

  it('cleans up tokenization spaces only when the config asks, streaming included', () => {
    const text = "do n't stop , ok . yes ' no 'm 's";
    const ids = tokenizer.encode(text);
    expect(tokenizer.decode(ids)).toBe(text);
    const cleanFiles = tinyByteLevelBpe({ cleanUpSpaces: true });
    const cleaning = loadTiny(cleanFiles, 'tiny-byte-level-cleanup');
    expect(cleaning.decode(ids)).toBe("don't stop, ok. yes'no'm's");
    // The cleanup is done here (so its reach is known to streamers); it must match the library's own.
    const library = new HfTokenizer(
      JSON.parse(cleanFiles.tokenizerJson),
      JSON.parse(cleanFiles.config),
    );
    const texts = [
      text,
      ...samples,
      ...proseTexts(60),
      ...randomTexts(99, 300, 40, cleanupAlphabet),
    ];
    for (const sample of texts) {
      const sampleIds = cleaning.encode(sample);
      const decoded = cleaning.decode(sampleIds);
      expect(decoded).toBe(library.decode(sampleIds, { clean_up_tokenization_spaces: true }));
      expect(streamDecode(cleaning, sampleIds).join('')).toBe(decoded);
    }
  });
});

describe('HuggingFaceTokenizer with a SentencePiece-style BPE (Llama-2-style)', () => {
  const files = tinySentencePieceBpe({ addBosToken: true });
  const tokenizer = loadTiny(files, 'tiny-sentencepiece');
  const id = (piece: string) => files.ids.get(piece)!;

  it('reads BOS, EOS and add_bos_token from tokenizer_config.json', () => {
    expect(tokenizer.vocabSize).toBe(files.ids.size);
    expect(tokenizer.bosTokenId).toBe(1);
    expect(tokenizer.eosTokenIds).toEqual([2]);
    expect(tokenizer.addsBosToken).toBe(true);
  });

  it('adds BOS only when asked, and no other special token', () => {
    const once = [id('▁Once'), id('▁the'), id('▁'), id('c'), id('a'), id('t')];
    expect(tokenizer.encode('Once the cat')).toEqual(once);
    expect(tokenizer.encode('Once the cat', { addBos: true })).toEqual([1, ...once]);
    expect(tokenizer.encode('', { addBos: true })).toEqual([1]);
  });

  it('falls back to bytes for characters outside the vocabulary and streams them whole', () => {
    expect(tokenizer.encode('日')).toEqual([id('▁'), 0xe6 + 3, 0x97 + 3, 0xa5 + 3]);
    const ids = tokenizer.encode('日本', { addBos: true });
    expect(streamDecode(tokenizer, ids)).toEqual(['', '', '', '', '日', '', '', '本', '']);
  });

  it('round-trips text with BOS, and streaming gives exactly what decode gives', () => {
    for (const text of [...samples, ' one leading space', ...proseTexts(30)]) {
      const ids = tokenizer.encode(text, { addBos: true });
      expect(tokenizer.decode(ids)).toBe(text);
      expect(streamDecode(tokenizer, ids).join('')).toBe(text);
    }
    // BOS and EOS are skipped wherever they appear; only the text's first space is stripped.
    const twice = [1, ...tokenizer.encode('the cat'), 2, 1, ...tokenizer.encode('the')];
    expect(tokenizer.decode(twice)).toBe('the cat the');
    expect(streamDecode(tokenizer, twice).join('')).toBe('the cat the');
  });

  it('follows add_bos_token, else whether the post-processor adds BOS', () => {
    const noBos = tinySentencePieceBpe({ addBosToken: false });
    const withoutBos = loadTiny(noBos, 'no-bos');
    expect(withoutBos.addsBosToken).toBe(false);
    expect(withoutBos.encode('the', { addBos: true })).toEqual([id('▁the')]);

    const unsaid = tinySentencePieceBpe();
    const detected = loadTiny(unsaid, 'detected');
    expect(detected.addsBosToken).toBe(true);
    expect(detected.encode('the', { addBos: true })).toEqual([1, id('▁the')]);
  });

  it('takes special tokens from options over the config, and works without a config', () => {
    const bare = HuggingFaceTokenizer.fromJson(files.tokenizerJson, { source: 'bare' });
    expect(bare.bosTokenId).toBeUndefined();
    expect(bare.eosTokenIds).toEqual([]);
    expect(bare.encode('the', { addBos: true })).toEqual([id('▁the')]);

    const given = HuggingFaceTokenizer.fromJson(files.tokenizerJson, {
      source: 'given',
      bosTokenId: 1,
      eosTokenIds: [2, 0],
    });
    expect(given.bosTokenId).toBe(1);
    expect(given.eosTokenIds).toEqual([2, 0]);
    expect(given.addsBosToken).toBe(true);

    const none = HuggingFaceTokenizer.fromJson(files.tokenizerJson, {
      config: files.config,
      source: 'none',
      bosTokenId: null,
    });
    expect(none.bosTokenId).toBeUndefined();
    expect(none.encode('the', { addBos: true })).toEqual([id('▁the')]);
  });
});

describe('HuggingFaceTokenizer errors', () => {
  const files = tinySentencePieceBpe();

  it('names the source for files that are not JSON objects', () => {
    expect(() => HuggingFaceTokenizer.fromJson('{"model":', { source: 'models/x' })).toThrow(
      /^models\/x: tokenizer\.json is not valid JSON/,
    );
    expect(() =>
      HuggingFaceTokenizer.fromJson(files.tokenizerJson, { config: '[]', source: 'models/x' }),
    ).toThrow('models/x: tokenizer_config.json must hold a JSON object');
  });

  it('throws TokenizerErrors, which the CLI prints as a user error without a stack', () => {
    expect(() => HuggingFaceTokenizer.fromJson('{"model":', { source: 'models/x' })).toThrow(
      TokenizerError,
    );
    expect(() => HuggingFaceTokenizer.fromJson('{"model":', { source: 'models/x' })).toThrow(
      LiteStageError,
    );
  });

  it('names the source when the library cannot load the tokenizer', () => {
    const json = JSON.parse(files.tokenizerJson);
    json.model = { type: 'Mystery' };
    expect(() =>
      HuggingFaceTokenizer.fromJson(JSON.stringify(json), { source: 'models/x' }),
    ).toThrow(/^models\/x: cannot load tokenizer\.json with @huggingface\/tokenizers: /);
  });

  it('reports a config special token missing from the vocabulary', () => {
    const config = JSON.stringify({ bos_token: '<|begin|>' });
    expect(() =>
      HuggingFaceTokenizer.fromJson(files.tokenizerJson, { config, source: 'models/x' }),
    ).toThrow('models/x: tokenizer_config.json names bos_token "<|begin|>", which is not in');
    expect(() =>
      HuggingFaceTokenizer.fromJson(files.tokenizerJson, {
        source: 'models/x',
        eosTokenIds: [9999],
      }),
    ).toThrow('models/x: special token id 9999 is outside the vocabulary');
  });

  it('rejects ids outside the vocabulary', () => {
    const tokenizer = HuggingFaceTokenizer.fromJson(files.tokenizerJson, { source: 'models/x' });
    expect(() => tokenizer.decode([tokenizer.vocabSize])).toThrow(RangeError);
    expect(() => new TextStreamer(tokenizer).put([-1])).toThrow(
      /token id -1 is not in the vocabulary/,
    );
  });
});
