import { describe, expect, it } from 'vitest';
import { TextStreamer } from './text-streamer.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * A SentencePiece-style tokenizer: "▁" is a space, the space starting a decoded text is
 * dropped, `<0xHH>` pieces are bytes (so a character can be split over two tokens), and
 * `cleanUp` applies transformers' `" ' "` -> `"'"` space cleanup. It records every decode.
 */
class PieceTokenizer implements Tokenizer {
  readonly bosTokenId = 0;
  readonly eosTokenIds = [1];
  readonly decoded: number[][] = [];
  readonly vocabSize: number;

  constructor(
    readonly pieces: readonly string[],
    readonly options: { readonly cleanUp?: boolean; readonly decodeReach?: number } = {},
  ) {
    this.vocabSize = pieces.length;
  }

  get decodeReach(): number | undefined {
    return this.options.decodeReach;
  }

  id(piece: string): number {
    const id = this.pieces.indexOf(piece);
    if (id < 0) throw new Error(`no piece ${piece}`);
    return id;
  }

  encode(): number[] {
    throw new Error('not needed here');
  }

  decode(ids: readonly number[]): string {
    this.decoded.push([...ids]);
    const bytes: number[] = [];
    for (const id of ids) {
      if (id <= 1) continue;
      const piece = this.pieces[id] as string;
      const byte = /^<0x([0-9A-F]{2})>$/.exec(piece);
      if (byte) bytes.push(Number.parseInt(byte[1] as string, 16));
      else bytes.push(...new TextEncoder().encode(piece.replaceAll('▁', ' ')));
    }
    let text = new TextDecoder().decode(Uint8Array.from(bytes));
    if (text.startsWith(' ')) text = text.slice(1);
    return this.options.cleanUp ? text.replaceAll(" ' ", "'") : text;
  }
}

const PIECES = [
  '<s>',
  '</s>',
  '▁Once',
  '▁up',
  'on',
  '▁a',
  '▁time',
  ',',
  '▁caf',
  '<0xC3>',
  '<0xA9>',
  '▁',
  '\n',
  '▁end',
];

function stream(tokenizer: PieceTokenizer, ids: readonly number[], options = {}) {
  const pieces: string[] = [];
  const streamer = new TextStreamer(tokenizer, {
    ...options,
    callbackFunction: (t) => pieces.push(t),
  });
  const shownAfterPut: string[] = [];
  for (const id of ids) {
    streamer.put([id]);
    shownAfterPut.push(pieces.join(''));
  }
  return { pieces, shownAfterPut, final: streamer.end() };
}

describe('TextStreamer', () => {
  const tokenizer = new PieceTokenizer(PIECES);
  // Every piece but <s> and </s>, in order.
  const ids = PIECES.slice(2).map((p) => tokenizer.id(p));

  it('shows exactly the decoded text, piece by piece, without half a character', () => {
    const { pieces, shownAfterPut, final } = stream(tokenizer, ids);
    expect(final).toBe(tokenizer.decode(ids));
    expect(final).toBe('Once upon a time, café \n end');
    expect(pieces.join('')).toBe(final);
    expect(pieces.some((p) => p.includes('\uFFFD'))).toBe(false);
    // The first word loses its leading space as at the start of a text; later ones keep it.
    expect(shownAfterPut[0]).toBe('Once');
    expect(shownAfterPut[2]).toBe('Once upon');
    // The first byte of "é" waits for the second; trailing whitespace waits for what follows.
    expect(shownAfterPut[7]).toBe('Once upon a time, caf');
    expect(shownAfterPut[8]).toBe('Once upon a time, café');
    expect(shownAfterPut[10]).toBe('Once upon a time, café');
  });

  it('decodes a short window per token, not the whole stream', () => {
    const long = Array.from({ length: 300 }, (_, i) => ids[i % ids.length] as number);
    const counting = new PieceTokenizer(PIECES);
    const { pieces, final } = stream(counting, long);
    expect(pieces.join('')).toBe(final);
    expect(final).toBe(counting.decode(long));
    const perPut = counting.decoded.slice(0, -2).map((window) => window.length);
    expect(Math.max(...perPut)).toBeLessThanOrEqual(6);
  });

  it('spaces the first piece as after the prompt, whose text it never shows', () => {
    const prompt = ['▁Once', '▁up', 'on'].map((p) => tokenizer.id(p));
    const { pieces, final } = stream(tokenizer, [tokenizer.id('▁a'), tokenizer.id('▁time')], {
      promptIds: prompt,
    });
    expect(final).toBe(' a time');
    expect(pieces.join('')).toBe(' a time');
  });

  it('never shows a stop string or its start, and ends where it begins', () => {
    const pieces: string[] = [];
    const streamer = new TextStreamer(tokenizer, {
      stopStrings: [' time'],
      callbackFunction: (t) => pieces.push(t),
    });
    for (const piece of ['▁Once', '▁up', 'on', '▁a', '▁time']) {
      streamer.put([tokenizer.id(piece)]);
      expect(pieces.join('')).not.toMatch(/ t?i?$/);
    }
    expect(pieces.join('')).toBe('Once upon a');
    const textEnd = streamer.text.indexOf(' time');
    expect(streamer.end({ textEnd })).toBe('Once upon a');
    expect(pieces.join('')).toBe('Once upon a');
  });

  it("previews a token's text without showing it", () => {
    const pieces: string[] = [];
    const streamer = new TextStreamer(tokenizer, { callbackFunction: (t) => pieces.push(t) });
    streamer.put([tokenizer.id('▁Once')]);
    expect(streamer.textWith([tokenizer.id('▁up')])).toBe('Once up');
    expect(streamer.text).toBe('Once');
    expect(streamer.end()).toBe('Once');
    expect(pieces.join('')).toBe('Once');
    expect(() => streamer.put([2])).toThrow(/has ended/);
  });

  it("holds back as much as the tokenizer's decoding reaches back", () => {
    const pieces = [...PIECES, '▁x', "▁'", '▁s'];
    const quoted = ['▁x', "▁'", '▁s', '▁end'];
    const reaching = new PieceTokenizer(pieces, { cleanUp: true, decodeReach: 2 });
    const ok = stream(
      reaching,
      quoted.map((p) => reaching.id(p)),
    );
    expect(ok.final).toBe("x's end");
    expect(ok.pieces.join('')).toBe("x's end");
    // Without the reach declared, the space before the quote is shown before cleanup removes it.
    const unsaid = new PieceTokenizer(pieces, { cleanUp: true });
    const wrong = stream(
      unsaid,
      quoted.map((p) => unsaid.id(p)),
    );
    expect(wrong.final).toBe("x's end");
    expect(wrong.pieces.join('')).not.toBe(wrong.final);
  });
});
