import type { Tokenizer } from '@litestage/core';
import { TokenizerError } from './tokenizer-error.js';

export interface Llama2cTokenizerOptions {
  /** Number of tokens in the file: the checkpoint header's vocab_size (its absolute value). */
  readonly vocabSize: number;
  /** Where the bytes came from (a file path), for error messages. */
  readonly source: string;
}

const BOS_ID = 1;
const EOS_ID = 2;
/** Byte-fallback token `<0xHH>` has id HH + 3. */
const BYTE_TOKEN_OFFSET = 3;
/** run.c's starting best score: pairs scoring at or below it never merge. */
const MERGE_SCORE_FLOOR = -1e10;
const BYTE_PIECE = /^<0x([0-9A-Fa-f]{2})>$/;

/**
 * The tokenizer of llama2.c's `run.c`, read from its `tokenizer.bin`
 * (int32 max_token_length, then per token: float32 score, int32 length, the piece's bytes;
 * little-endian). BOS = 1, EOS = 2, byte-fallback tokens `<0x00>`..`<0xFF>` at ids 3..258.
 *
 * Encoding and decoding follow `run.c` byte for byte, with one deliberate difference: run.c's
 * `safe_printf` drops every single-byte piece that is not printable ASCII or whitespace, which
 * also drops byte-fallback bytes >= 0x80 and so loses every character that falls back to bytes
 * (llama2.c cannot print them). Here only control bytes (< 0x80) are dropped; bytes >= 0x80 are
 * kept and assembled into UTF-8 text.
 */
export class Llama2cTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly bosTokenId = BOS_ID;
  readonly eosTokenIds: readonly number[] = [EOS_ID];
  /** The longest piece in bytes, as the file's header states it. */
  readonly maxTokenLength: number;

  /** Each token's piece exactly as stored (byte-fallback tokens are the text `<0xHH>`). */
  private readonly pieces: readonly Uint8Array[];
  private readonly scores: Float32Array;
  /** Piece bytes as a one-char-per-byte string, so lookups compare bytes as run.c's strcmp does. */
  private readonly pieceKeys: readonly string[];
  private readonly idByPieceKey: ReadonlyMap<string, number>;
  private readonly source: string;

  private constructor(
    source: string,
    maxTokenLength: number,
    pieces: Uint8Array[],
    scores: Float32Array,
  ) {
    this.source = source;
    this.vocabSize = pieces.length;
    this.maxTokenLength = maxTokenLength;
    this.pieces = pieces;
    this.scores = scores;
    this.pieceKeys = pieces.map(bytesToKey);
    const idByPieceKey = new Map<string, number>();
    this.pieceKeys.forEach((key, id) => {
      // run.c's bsearch over duplicates is unspecified; keeping the lowest id is deterministic.
      if (!idByPieceKey.has(key)) idByPieceKey.set(key, id);
    });
    this.idByPieceKey = idByPieceKey;
  }

  /** Parses the bytes of a `tokenizer.bin`; throws naming `source` when they are not one. */
  static fromBytes(bytes: Uint8Array, options: Llama2cTokenizerOptions): Llama2cTokenizer {
    const { vocabSize, source } = options;
    if (!Number.isInteger(vocabSize) || vocabSize <= 0) {
      throw new TokenizerError(
        `${source}: vocabSize must be a positive integer (the checkpoint's vocab_size), got ${vocabSize}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 4) {
      throw new TokenizerError(
        `${source}: truncated llama2.c tokenizer: ${bytes.byteLength} bytes, too short for the max_token_length header`,
      );
    }
    const maxTokenLength = view.getInt32(0, true);
    if (maxTokenLength <= 0) {
      throw new TokenizerError(
        `${source}: not a llama2.c tokenizer: max_token_length is ${maxTokenLength}, expected a positive length`,
      );
    }
    const pieces: Uint8Array[] = [];
    const scores = new Float32Array(vocabSize);
    let offset = 4;
    for (let id = 0; id < vocabSize; id++) {
      if (offset + 8 > bytes.byteLength) {
        throw new TokenizerError(
          `${source}: truncated llama2.c tokenizer: the file ends at byte ${bytes.byteLength} inside token ${id} of ${vocabSize}; ` +
            'it is cut short, or holds fewer tokens than the checkpoint says (vocabSize)',
        );
      }
      scores[id] = view.getFloat32(offset, true);
      const length = view.getInt32(offset + 4, true);
      offset += 8;
      // A piece longer than the header's maximum would overflow run.c's merge buffer: the file is corrupt.
      if (length < 0 || length > maxTokenLength) {
        throw new TokenizerError(
          `${source}: corrupt llama2.c tokenizer: token ${id} (at byte ${offset - 4}) has length ${length}, ` +
            `outside 0..${maxTokenLength} (max_token_length)`,
        );
      }
      if (offset + length > bytes.byteLength) {
        throw new TokenizerError(
          `${source}: truncated llama2.c tokenizer: token ${id} of ${vocabSize} needs ${length} bytes at byte ${offset} ` +
            `but the file ends at byte ${bytes.byteLength}; it is cut short, or holds fewer tokens than vocabSize`,
        );
      }
      pieces.push(bytes.slice(offset, offset + length));
      offset += length;
    }
    if (offset !== bytes.byteLength) {
      throw new TokenizerError(
        `${source}: ${bytes.byteLength - offset} bytes are left over after ${vocabSize} tokens; ` +
          'the file holds more tokens than vocabSize (check the checkpoint header) or is not a llama2.c tokenizer',
      );
    }
    return new Llama2cTokenizer(source, maxTokenLength, pieces, scores);
  }

  /**
   * run.c's `encode`: optional BOS, the dummy-prefix token " " when the text is non-empty, one
   * token per UTF-8 character (or one byte-fallback token per byte when the character is not a
   * piece), then greedy merges of the adjacent pair whose joined piece scores highest.
   */
  encode(text: string, options?: { readonly addBos?: boolean }): number[] {
    const ids: number[] = [];
    if (options?.addBos) ids.push(BOS_ID);
    if (text.length > 0) {
      // run.c would push -1 when the vocabulary lacks " "; falling back to its byte is the sane reading.
      ids.push(this.idByPieceKey.get(' ') ?? this.byteTokenId(0x20));
    }
    const bytes = new TextEncoder().encode(text);
    let start = 0;
    while (start < bytes.length) {
      // A character is a lead byte plus its continuation bytes (10xxxxxx), at most 4 bytes.
      let end = start + 1;
      while (end < bytes.length && end - start < 4 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end++;
      const character = bytes.subarray(start, end);
      const id = this.idByPieceKey.get(bytesToKey(character));
      if (id !== undefined) {
        ids.push(id);
      } else {
        for (const byte of character) ids.push(this.byteTokenId(byte));
      }
      start = end;
    }
    return this.mergePairs(ids);
  }

  /**
   * Text of `ids`, as run.c prints them: BOS and EOS skipped, the start treated as following
   * BOS (so a leading dummy-prefix space is dropped), bytes assembled into UTF-8 (an
   * incomplete character at the end becomes U+FFFD).
   */
  decode(ids: readonly number[]): string {
    // ignoreBOM keeps a leading U+FEFF as text instead of swallowing it.
    const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
    let previousId = BOS_ID;
    let text = '';
    for (const id of ids) {
      const bytes = this.printedBytes(previousId, id);
      previousId = id;
      if (bytes.length > 0) text += utf8.decode(bytes, { stream: true });
    }
    return text + utf8.decode();
  }

  /** A copy of the piece of token `id` as stored (byte-fallback tokens are the text `<0xHH>`). */
  piece(id: number): Uint8Array {
    this.checkId(id);
    return (this.pieces[id] as Uint8Array).slice();
  }

  /** The merge score of token `id`. */
  score(id: number): number {
    this.checkId(id);
    return this.scores[id] as number;
  }

  /** The bytes run.c prints for `id` after `previousId` (`decode` then `safe_printf`); none for BOS and EOS. */
  private printedBytes(previousId: number, id: number): Uint8Array {
    this.checkId(id);
    if (id === BOS_ID || id === EOS_ID) return EMPTY_BYTES;
    let piece = this.pieces[id] as Uint8Array;
    // SentencePiece drops the space that begins the first word after BOS.
    if (previousId === BOS_ID && piece[0] === 0x20) piece = piece.subarray(1);
    const byteMatch = piece.length === 6 ? BYTE_PIECE.exec(bytesToKey(piece)) : null;
    if (byteMatch) piece = Uint8Array.of(Number.parseInt(byteMatch[1] as string, 16));
    // safe_printf: a lone control byte is noise, not text (see the class comment for bytes >= 0x80).
    if (piece.length === 1 && isUnprintableControlByte(piece[0] as number)) return EMPTY_BYTES;
    return piece;
  }

  private byteTokenId(byte: number): number {
    const id = byte + BYTE_TOKEN_OFFSET;
    if (id >= this.vocabSize) {
      throw new TokenizerError(
        `${this.source}: cannot encode byte 0x${byte.toString(16).padStart(2, '0')}: ` +
          `its byte-fallback token ${id} is outside the vocabulary of ${this.vocabSize} tokens`,
      );
    }
    return id;
  }

  private checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) {
      throw new RangeError(
        `${this.source}: token id ${id} is outside the vocabulary (0..${this.vocabSize - 1})`,
      );
    }
  }

  /**
   * run.c rescans every adjacent pair per merge (quadratic). A heap ordered by (score desc,
   * position asc) picks the same pair each round, since merging keeps tokens in their original
   * order and run.c keeps the leftmost of equal scores.
   */
  private mergePairs(initialIds: number[]): number[] {
    const count = initialIds.length;
    if (count < 2) return initialIds;
    const ids = Int32Array.from(initialIds);
    const next = new Int32Array(count);
    const previous = new Int32Array(count);
    // Bumped whenever a token changes or disappears, which invalidates its queued pairs.
    const version = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      next[i] = i + 1 < count ? i + 1 : -1;
      previous[i] = i - 1;
    }
    const queue = new MergeQueue();
    const offer = (left: number): void => {
      const right = next[left] as number;
      if (right < 0) return;
      const key =
        (this.pieceKeys[ids[left] as number] as string) +
        (this.pieceKeys[ids[right] as number] as string);
      const mergedId = this.idByPieceKey.get(key);
      if (mergedId === undefined) return;
      const score = this.scores[mergedId] as number;
      if (!(score > MERGE_SCORE_FLOOR)) return;
      queue.push({
        score,
        left,
        mergedId,
        leftVersion: version[left] as number,
        rightVersion: version[right] as number,
      });
    };
    for (let i = 0; i + 1 < count; i++) offer(i);

    for (let candidate = queue.pop(); candidate !== undefined; candidate = queue.pop()) {
      const { left } = candidate;
      const right = next[left] as number;
      if (
        right < 0 ||
        version[left] !== candidate.leftVersion ||
        version[right] !== candidate.rightVersion
      ) {
        continue;
      }
      ids[left] = candidate.mergedId;
      version[left] = (version[left] as number) + 1;
      version[right] = (version[right] as number) + 1;
      const afterRight = next[right] as number;
      next[left] = afterRight;
      if (afterRight >= 0) previous[afterRight] = left;
      const beforeLeft = previous[left] as number;
      if (beforeLeft >= 0) offer(beforeLeft);
      offer(left);
    }

    const merged: number[] = [];
    for (let i = 0; i >= 0; i = next[i] as number) merged.push(ids[i] as number);
    return merged;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** Neither printable ASCII (0x20..0x7e) nor C whitespace (\t \n \v \f \r), and below 0x80. */
function isUnprintableControlByte(byte: number): boolean {
  return byte < 0x80 && !(byte >= 0x20 && byte <= 0x7e) && !(byte >= 0x09 && byte <= 0x0d);
}

function bytesToKey(bytes: Uint8Array): string {
  let key = '';
  for (const byte of bytes) key += String.fromCharCode(byte);
  return key;
}

interface MergeCandidate {
  readonly score: number;
  /** Original position of the pair's left token; positions keep their order as tokens merge. */
  readonly left: number;
  readonly mergedId: number;
  readonly leftVersion: number;
  readonly rightVersion: number;
}

/** A binary heap of merge candidates: highest score first, then leftmost. */
class MergeQueue {
  private readonly items: MergeCandidate[] = [];

  push(item: MergeCandidate): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!comesFirst(item, items[parent] as MergeCandidate)) break;
      items[i] = items[parent] as MergeCandidate;
      i = parent;
    }
    items[i] = item;
  }

  pop(): MergeCandidate | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    for (;;) {
      const leftChild = 2 * i + 1;
      if (leftChild >= items.length) break;
      const rightChild = leftChild + 1;
      let child = leftChild;
      if (
        rightChild < items.length &&
        comesFirst(items[rightChild] as MergeCandidate, items[leftChild] as MergeCandidate)
      ) {
        child = rightChild;
      }
      if (!comesFirst(items[child] as MergeCandidate, last)) break;
      items[i] = items[child] as MergeCandidate;
      i = child;
    }
    items[i] = last;
    return top;
  }
}

function comesFirst(a: MergeCandidate, b: MergeCandidate): boolean {
  return a.score > b.score || (a.score === b.score && a.left < b.left);
}
