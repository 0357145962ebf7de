import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { randomTexts } from '../test-utils/random-texts.js';
import { streamDecode } from '../test-utils/stream-decode.js';
import { buildLlama2cTokenizerBin, type Llama2cPiece } from '../testing/llama2c-tokenizer-bin.js';
import { Llama2cTokenizer } from './llama2c-tokenizer.js';

const tokenizerPath = fixturePath('stories260k/tok512.bin');
const tokenizerBytes = new Uint8Array(readFileSync(tokenizerPath));
const greedyText = readFileSync(fixturePath('stories260k/expected_greedy_200.txt'), 'utf8');
const tok512 = Llama2cTokenizer.fromBytes(tokenizerBytes, {
  vocabSize: 512,
  source: tokenizerPath,
});

/** run.c's merge loop transcribed literally (quadratic rescan), to check the heap against. */
function mergeLikeRunC(tokenizer: Llama2cTokenizer, initial: readonly number[]): number[] {
  const pieceOf = (id: number) => Buffer.from(tokenizer.piece(id)).toString('latin1');
  const idOf = new Map<string, number>();
  for (let id = tokenizer.vocabSize - 1; id >= 0; id--) idOf.set(pieceOf(id), id);
  const tokens = [...initial];
  for (;;) {
    let bestScore = -1e10;
    let bestId = -1;
    let bestIndex = -1;
    for (let i = 0; i < tokens.length - 1; i++) {
      const id = idOf.get(pieceOf(tokens[i]!) + pieceOf(tokens[i + 1]!));
      if (id !== undefined && tokenizer.score(id) > bestScore) {
        bestScore = tokenizer.score(id);
        bestId = id;
        bestIndex = i;
      }
    }
    if (bestIndex === -1) return tokens;
    tokens.splice(bestIndex, 2, bestId);
  }
}

describe('Llama2cTokenizer on stories260K tok512.bin', () => {
  it('reads the vocabulary and its special tokens', () => {
    expect(tok512.vocabSize).toBe(512);
    expect(tok512.maxTokenLength).toBe(7);
    expect(tok512.bosTokenId).toBe(1);
    expect(tok512.eosTokenIds).toEqual([2]);
    expect(new TextDecoder().decode(tok512.piece(410))).toBe(' ');
    expect(new TextDecoder().decode(tok512.piece(3))).toBe('<0x00>');
    expect(tok512.score(403)).toBe(-144);
  });

  it('encodes a small text as derived by hand from the vocabulary', () => {
    // " Once upon a time" as characters, then merges by score: " t"(-0), " a"(-2), "im"(-29),
    // "on"(-31), " u"(-59), " O"(-60), " On"(-62), "ce"(-72), " up"(-91), "ime"(-110),
    // " time"(-119), " Once"(-144), " upon"(-148).
    expect(tok512.encode('Once upon a time')).toEqual([403, 407, 261, 378]);
    expect(tok512.encode('Once upon a time', { addBos: true })).toEqual([1, 403, 407, 261, 378]);
  });

  it('adds the dummy prefix " " only to non-empty text', () => {
    expect(tok512.encode('')).toEqual([]);
    expect(tok512.encode('', { addBos: true })).toEqual([1]);
    // "x" is a piece but " x" is not, so the dummy prefix stays a token of its own.
    expect(tok512.encode('x')).toEqual([410, 444]);
    expect(tok512.encode(' ')).toEqual([410, 410]);
    expect(tok512.decode(tok512.encode('x'))).toBe('x');
  });

  it('round-trips English sentences through encode and decode', () => {
    const sentences = [
      'Once upon a time, there was a little girl named Lily.',
      'She loved to play outside in the park!',
      '"Can I have the red ball?" asked Tim. His mom said, "Yes, you can."',
      'They were happy.\nThe end.',
      'Numbers like 42 and 3.14, symbols like $5 & 10% off; [brackets] {braces} <angles> ~tilde~',
      '  two leading spaces, tab\there, trailing space ',
    ];
    for (const sentence of sentences) {
      const ids = tok512.encode(sentence, { addBos: true });
      expect(tok512.decode(ids)).toBe(sentence);
      expect(streamDecode(tok512, ids).join('')).toBe(sentence);
    }
  });

  it('uses byte fallback for characters outside the vocabulary and streams them whole', () => {
    // "é" is a piece of tok512 (id 485); "ü", CJK and emoji are not.
    expect(tok512.encode('é')).toEqual([410, 485]);
    // 日 = E6 97 A5: one token per byte, id = byte + 3.
    expect(tok512.encode('日')).toEqual([410, 0xe6 + 3, 0x97 + 3, 0xa5 + 3]);
    for (const text of ['é', 'über', '日本', 'I like 🦙 and 🚀!', 'café, naïve, Ærøskøbing']) {
      const ids = tok512.encode(text, { addBos: true });
      const chunks = streamDecode(tok512, ids);
      expect(chunks.join('')).toBe(text);
      expect(tok512.decode(ids)).toBe(text);
      // Never half a character: no chunk is a lone surrogate or a replacement character.
      for (const chunk of chunks) {
        expect(chunk).not.toContain('\uFFFD');
        expect(chunk).not.toMatch(
          /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
        );
      }
    }
    const japanese = streamDecode(tok512, tok512.encode('日本'));
    expect(japanese).toEqual(['', '', '', '日', '', '', '本', '']);
  });

  it('reproduces the llama2.c greedy reference text through encode and streaming decode', () => {
    expect(greedyText.startsWith('Once upon a time, there was a little girl named Lily.')).toBe(
      true,
    );
    const ids = tok512.encode(greedyText, { addBos: true });
    expect(ids[0]).toBe(1);
    expect(ids.slice(1, 5)).toEqual([403, 407, 261, 378]);
    expect(streamDecode(tok512, ids).join('')).toBe(greedyText);
    expect(tok512.decode(ids)).toBe(greedyText);
  });

  it('merges exactly as run.c rescanning every pair does', () => {
    const texts = [
      greedyText,
      'the the thethe  tttt hehehe',
      'aaaaaaaaaaaaaaa',
      'Lily, Lily! 日本 ok',
      ...randomTexts(7, 40, 60, [...'aeinorst hlLTO.,"\n', '日', 'é']),
    ];
    for (const text of texts) {
      const ids = tok512.encode(text, { addBos: true });
      const unmerged = [1, 410, ...[...text].flatMap((c) => unmergedIds(c))];
      expect(ids).toEqual(mergeLikeRunC(tok512, unmerged));
    }
  });

  it('drops the space after BOS wherever BOS appears, and skips BOS and EOS', () => {
    expect(tok512.decode([403, 2, 1, 403])).toBe('OnceOnce');
    expect(tok512.decode([410, 403])).toBe(' Once');
    expect(tok512.decode([444, 403])).toBe('x Once');
  });

  it('does not print lone control bytes, as run.c safe_printf', () => {
    // <0x00> (id 3), <0x07> (bell) and <0x7F> are dropped; <0x0A> newline and <0x09> tab stay.
    expect(tok512.decode([444, 3, 0x07 + 3, 0x7f + 3, 444])).toBe('xx');
    expect(tok512.decode([444, 0x0a + 3, 0x09 + 3, 444])).toBe('x\n\tx');
  });

  it('turns an incomplete UTF-8 sequence into U+FFFD at the end', () => {
    expect(streamDecode(tok512, [444, 0xe6 + 3])).toEqual(['x', '', '\uFFFD']);
    expect(tok512.decode([0xe6 + 3, 444])).toBe('\uFFFDx');
  });

  it('rejects ids outside the vocabulary', () => {
    expect(() => tok512.decode([512])).toThrow(/token id 512 is outside the vocabulary/);
    expect(() => tok512.decode([-1])).toThrow(RangeError);
  });
});

/** The ids run.c's encode starts from for one character, before merging. */
function unmergedIds(character: string): number[] {
  const key = Buffer.from(character, 'utf8');
  for (let id = 0; id < tok512.vocabSize; id++) {
    if (Buffer.from(tok512.piece(id)).equals(key)) return [id];
  }
  return [...key].map((byte) => byte + 3);
}

describe('Llama2cTokenizer merge order', () => {
  /** A tokenizer whose pieces after the byte tokens are `extraPieces`, the first at id 259. */
  function tokenizerWith(extraPieces: readonly Llama2cPiece[]): Llama2cTokenizer {
    const { bytes, vocabSize } = buildLlama2cTokenizerBin(extraPieces);
    return Llama2cTokenizer.fromBytes(bytes, { vocabSize, source: 'hand-made.bin' });
  }
  // ' ' = 259, 'a' = 260, 'b' = 261, then the pieces each test adds.
  const letters = [
    { piece: ' ', score: -10 },
    { piece: 'a', score: -10 },
    { piece: 'b', score: -10 },
  ];

  it('merges the leftmost pair when scores tie', () => {
    const tokenizer = tokenizerWith([
      ...letters,
      { piece: 'ab', score: -1 },
      { piece: 'ba', score: -1 },
    ]);
    expect(tokenizer.encode('aba')).toEqual([259, 262, 260]);
    expect(tokenizer.encode('bab')).toEqual([259, 263, 261]);
  });

  it('prefers the higher score over the leftmost pair', () => {
    const tokenizer = tokenizerWith([
      ...letters,
      { piece: 'ab', score: -2 },
      { piece: 'ba', score: -1 },
      // Scores at or below run.c's -1e10 floor never merge.
      { piece: 'aa', score: -1e11 },
    ]);
    expect(tokenizer.encode('aba')).toEqual([259, 260, 263]);
    expect(tokenizer.encode('aa')).toEqual([259, 260, 260]);
  });

  it('falls back to the byte token when the vocabulary has no " " piece', () => {
    const tokenizer = tokenizerWith([{ piece: 'a', score: -1 }]);
    expect(tokenizer.encode('a a')).toEqual([0x20 + 3, 259, 0x20 + 3, 259]);
    expect(tokenizer.decode(tokenizer.encode('a a'))).toBe(' a a');
  });
});

describe('Llama2cTokenizer.fromBytes errors', () => {
  const directory = mkdtempSync(join(tmpdir(), 'llama2c-tokenizer-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  /** Writes a damaged copy of tok512.bin and loads it back as a user's file would be. */
  function loadDamaged(name: string, bytes: Uint8Array, vocabSize = 512): () => Llama2cTokenizer {
    const path = join(directory, name);
    writeFileSync(path, bytes);
    return () =>
      Llama2cTokenizer.fromBytes(new Uint8Array(readFileSync(path)), { vocabSize, source: path });
  }

  function withInt32(offset: number, value: number): Uint8Array {
    const copy = tokenizerBytes.slice();
    new DataView(copy.buffer).setInt32(offset, value, true);
    return copy;
  }

  it('names the file when it is truncated', () => {
    const header = loadDamaged('header.bin', tokenizerBytes.slice(0, 2));
    expect(header).toThrow(/header\.bin: truncated llama2\.c tokenizer: 2 bytes/);
    const inTokenHeader = loadDamaged('token-header.bin', tokenizerBytes.slice(0, 10));
    expect(inTokenHeader).toThrow(/token-header\.bin: truncated .* inside token 0 of 512/);
    const inPiece = loadDamaged('piece.bin', tokenizerBytes.slice(0, tokenizerBytes.length - 1));
    expect(inPiece).toThrow(/piece\.bin: truncated .*token 511 of 512 needs 3 bytes/);
  });

  it('reports a vocabSize that does not match the file', () => {
    const path = join(directory, 'tok512.bin');
    expect(loadDamaged('tok512.bin', tokenizerBytes, 511)).toThrow(
      `${path}: 11 bytes are left over after 511 tokens`,
    );
    expect(loadDamaged('tok512.bin', tokenizerBytes, 513)).toThrow(/inside token 512 of 513/);
    const extra = new Uint8Array(tokenizerBytes.length + 5);
    extra.set(tokenizerBytes);
    expect(loadDamaged('extra.bin', extra)).toThrow(/5 bytes are left over after 512 tokens/);
    expect(loadDamaged('zero.bin', tokenizerBytes, 0)).toThrow(/vocabSize must be a positive/);
  });

  it('rejects negative and absurd lengths', () => {
    // Token 0's length field sits at byte 8 (after max_token_length and its score).
    expect(loadDamaged('negative.bin', withInt32(8, -5))).toThrow(
      /negative\.bin: corrupt llama2\.c tokenizer: token 0 \(at byte 8\) has length -5, outside 0\.\.7/,
    );
    expect(loadDamaged('absurd.bin', withInt32(8, 1 << 30))).toThrow(
      /absurd\.bin: corrupt .* token 0 .* has length 1073741824/,
    );
    expect(loadDamaged('max-length.bin', withInt32(0, -1))).toThrow(
      /max-length\.bin: not a llama2\.c tokenizer: max_token_length is -1/,
    );
  });
});
