import type { Tokenizer } from './tokenizer.js';

export interface TextStreamerOptions {
  /**
   * Ids before the stream (a prompt). Their end is decoded as context, so the first piece is
   * spaced as it is after them, but their text is never shown (transformers.js's `skip_prompt`).
   */
  readonly promptIds?: readonly number[];
  /** Text that may still grow into one of these waits, so the start of a stop string is never shown. */
  readonly stopStrings?: readonly string[];
  /** Receives each piece of finalized text, in order; the pieces add up to what `end` returns. */
  readonly callbackFunction?: (text: string) => void;
}

/** Where the text is settled up to: after `ids` ids (prompt context included), at `textLength` characters. */
interface SettlePoint {
  readonly ids: number;
  readonly textLength: number;
}

/** A put whose text is not settled yet: the ids up to it, and the text they added after the settled text. */
interface PendingPut {
  readonly ids: number;
  readonly tail: string;
}

/** How many prompt ids are decoded as context to begin with (more when they make too little text). */
const PROMPT_CONTEXT_IDS = 8;
const UNSETTLED_CHARACTER = /[\s\uFFFD]/;

/**
 * Turns generated ids into text as they come, shaped like transformers.js's `TextStreamer`:
 * `put(ids)` after each token, `end()` at the end, `callbackFunction` for the finalized text.
 *
 * It decodes incrementally: each put decodes only a window from a settled point a little
 * before the unsettled text (plus that point's context, whose own decoding is subtracted),
 * not the whole stream. Held back until more ids or `end` settle them: trailing whitespace
 * and incomplete characters (U+FFFD), the last `tokenizer.decodeReach` characters, and an
 * ending that may be the start of a stop string. `end` decodes the whole stream once, so
 * its text is exactly `tokenizer.decode` of the ids put (cut at `textEnd`); the pieces shown
 * add up to it for every tokenizer whose decoding reaches back no further than it says.
 *
 * One streamer serves one generation.
 */
export class TextStreamer {
  private readonly tokenizer: Tokenizer;
  private readonly stopStrings: readonly string[];
  private readonly callback: ((text: string) => void) | undefined;
  private readonly reach: number;
  /** Fewest characters of settled text a decode window starts with. */
  private readonly minContext: number;
  /** The prompt's context ids, then the streamed ids. */
  private readonly ids: number[];
  /** The decoding of the prompt's context ids, subtracted from the whole stream's at the end. */
  private readonly promptContext: string;
  private windowStart = 0;
  /** The decoding of `ids[windowStart .. settledIds]` alone, subtracted from each window's. */
  private windowContext: string;
  private settledIds: number;
  /** Text of the streamed ids up to `settledIds`. */
  private settledText = '';
  /** Text the ids after `settledIds` add. */
  private tail = '';
  private pending: PendingPut[] = [];
  private settlePoints: SettlePoint[] = [{ ids: 0, textLength: Number.NEGATIVE_INFINITY }];
  private shown = '';
  private lookahead: { readonly ids: readonly number[]; readonly tail: string } | undefined;
  private ended = false;

  constructor(tokenizer: Tokenizer, options: TextStreamerOptions = {}) {
    this.tokenizer = tokenizer;
    this.stopStrings = options.stopStrings ?? [];
    this.callback = options.callbackFunction;
    this.reach = Math.max(0, tokenizer.decodeReach ?? 0);
    this.minContext = Math.max(1, this.reach);
    const context = promptContext(tokenizer, options.promptIds ?? [], this.minContext);
    this.ids = [...context.ids];
    this.promptContext = context.text;
    this.windowContext = context.text;
    this.settledIds = context.ids.length;
  }

  /** The text of the ids put so far (what stopping criteria read). */
  get text(): string {
    return this.settledText + this.tail;
  }

  /**
   * The text the stream would have with `ids` put next, without putting them: a loop asks
   * its stopping criteria before it knows whether a token stays. Putting the same ids next
   * reuses this decoding.
   */
  textWith(ids: readonly number[]): string {
    this.assertOpen();
    return this.settledText + this.tailWith(ids);
  }

  /** Adds ids, and passes on the text they settle. */
  put(ids: readonly number[]): void {
    this.assertOpen();
    this.tail = this.tailWith(ids);
    this.lookahead = undefined;
    this.ids.push(...ids);
    this.settle();
    this.show(this.showableLength());
  }

  /**
   * Ends the stream: decodes it whole once, cuts it at `textEnd` (where a stop string
   * begins), passes on what was held back, and returns the final text.
   */
  end(options: { readonly textEnd?: number } = {}): string {
    this.assertOpen();
    this.ended = true;
    const decoded = this.tokenizer.decode(this.ids);
    const whole = decoded.slice(commonPrefixLength(decoded, this.promptContext));
    const final = options.textEnd === undefined ? whole : whole.slice(0, options.textEnd);
    // Shown text cannot be taken back: should a tokenizer reach further back than it says,
    // the final text still is its decoding, and nothing contradicting what was shown follows.
    if (final.startsWith(this.shown)) this.show(final.length, final);
    return final;
  }

  /** What `ids` would add after the settled text: the window's decoding less its context's. */
  private tailWith(ids: readonly number[]): string {
    const cached = this.lookahead;
    if (cached && sameIds(cached.ids, ids)) return cached.tail;
    const window = this.tokenizer.decode([...this.ids.slice(this.windowStart), ...ids]);
    const tail = window.slice(commonPrefixLength(window, this.windowContext));
    this.lookahead = { ids: [...ids], tail };
    return tail;
  }

  /**
   * Moves the settled point to the latest put whose text is still the start of the current
   * text and lies before everything held back, then moves the window after it.
   */
  private settle(): void {
    const settleable = this.settledLength() - this.settledText.length;
    const candidates = [...this.pending, { ids: this.ids.length, tail: this.tail }];
    let chosen = -1;
    for (let i = candidates.length - 1; i >= 0 && chosen < 0; i--) {
      const candidate = candidates[i] as PendingPut;
      if (candidate.tail.length <= settleable && this.tail.startsWith(candidate.tail)) chosen = i;
    }
    if (chosen < 0) {
      this.pending = candidates;
      return;
    }
    const point = candidates[chosen] as PendingPut;
    this.settledText += point.tail;
    this.settledIds = point.ids;
    this.tail = this.tail.slice(point.tail.length);
    this.pending = candidates
      .slice(chosen + 1)
      .filter((later) => later.tail.startsWith(point.tail))
      .map((later) => ({ ids: later.ids, tail: later.tail.slice(point.tail.length) }));
    this.settlePoints.push({ ids: this.settledIds, textLength: this.settledText.length });
    this.moveWindow();
  }

  /** Starts the window at the latest settled point that leaves it enough context. */
  private moveWindow(): void {
    let first = 0;
    for (let i = this.settlePoints.length - 1; i > 0; i--) {
      if (
        (this.settlePoints[i] as SettlePoint).textLength <=
        this.settledText.length - this.minContext
      ) {
        first = i;
        break;
      }
    }
    this.settlePoints = this.settlePoints.slice(first);
    this.windowStart = (this.settlePoints[0] as SettlePoint).ids;
    this.windowContext = this.tokenizer.decode(this.ids.slice(this.windowStart, this.settledIds));
  }

  /** Length of the text later ids cannot change: without the tokenizer's reach, trailing whitespace or U+FFFD. */
  private settledLength(): number {
    let end = this.text.length - this.reach;
    let last = this.settledText.length + this.tail.length;
    while (last > 0 && UNSETTLED_CHARACTER.test(this.charAt(last - 1))) last--;
    end = Math.min(end, last);
    return Math.max(0, end);
  }

  /** Length of the text that may be shown: settled, before any stop string, and not ending in a possible start of one. */
  private showableLength(): number {
    let end = this.settledLength();
    const length = this.settledText.length + this.tail.length;
    for (const stop of this.stopStrings) {
      const from = Math.max(0, this.shown.length - stop.length + 1);
      const found = this.textFrom(from).indexOf(stop);
      if (found >= 0) end = Math.min(end, from + found);
      const ending = this.textFrom(Math.max(0, length - stop.length + 1));
      for (let n = ending.length; n > 0; n--) {
        if (ending.endsWith(stop.slice(0, n))) {
          end = Math.min(end, length - n);
          break;
        }
      }
    }
    return end;
  }

  /** Passes on `text` (the current text unless given) from what was shown up to `end`. */
  private show(end: number, text?: string): void {
    if (end <= this.shown.length) return;
    const piece = (text ?? this.text).slice(this.shown.length, end);
    this.shown += piece;
    this.callback?.(piece);
  }

  // Character access without joining the settled text and the tail, so a put costs what its
  // new text costs, not the whole stream.
  private charAt(index: number): string {
    const settled = this.settledText.length;
    return index < settled
      ? (this.settledText[index] as string)
      : (this.tail[index - settled] as string);
  }

  private textFrom(index: number): string {
    const settled = this.settledText.length;
    return index >= settled
      ? this.tail.slice(index - settled)
      : this.settledText.slice(index) + this.tail;
  }

  private assertOpen(): void {
    if (this.ended) throw new Error('the stream has ended; a TextStreamer serves one generation');
  }
}

/** The last prompt ids to decode as context: a few, or more until they make `minChars` characters. */
function promptContext(
  tokenizer: Tokenizer,
  promptIds: readonly number[],
  minChars: number,
): { readonly ids: readonly number[]; readonly text: string } {
  let count = Math.min(promptIds.length, PROMPT_CONTEXT_IDS);
  for (;;) {
    const ids = promptIds.slice(promptIds.length - count);
    const text = count === 0 ? '' : tokenizer.decode(ids);
    if (text.length >= minChars || count === promptIds.length) return { ids, text };
    count = Math.min(promptIds.length, count * 2);
  }
}

function commonPrefixLength(a: string, b: string): number {
  if (a.startsWith(b)) return b.length;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
