/**
 * The contract between the engine and a multi-stage task format. Formats (TinyThinker's
 * recall / analyze / summarize, or a plugin's) implement it in `@litestage/tasks` or
 * elsewhere; the engine only drives it.
 */

/** A multiple-choice question. Option `i` is labelled `optionLabel(i)`: A, B, C, ... */
export interface Question {
  readonly id: string;
  readonly question: string;
  readonly options: readonly string[];
  /** The gold option label, when known. */
  readonly answer?: string;
  /** Gold stage outputs keyed by stage name, when known (synthetic questions). */
  readonly gold?: Readonly<Record<string, string>>;
}

/** One stage of a format and how its output ends. */
export interface StageSpec {
  readonly name: string;
  /** Written before the stage's output, e.g. `"Recall:"`. */
  readonly prefix: string;
  /** The output ends at the first of these strings (not part of the output), e.g. `"\n"`. */
  readonly stopStrings: readonly string[];
  /** Whether the end-of-sequence token ends the stage. */
  readonly stopAtEos: boolean;
  /** Default cap on generated tokens; a profile may set its own. */
  readonly maxNewTokens: number;
}

export type AnswerParse =
  | { readonly ok: true; readonly answer: string }
  | {
      readonly ok: false;
      /** missing: no answer sentence; ambiguous: several different answers; out-of-range: no such option. */
      readonly reason: 'missing' | 'ambiguous' | 'out-of-range';
      readonly found: readonly string[];
    };

export interface TaskFormat {
  readonly id: string;
  readonly description: string;
  readonly stages: readonly StageSpec[];
  /**
   * The text that precedes the output of stage `previousOutputs.length`, given the outputs
   * of the stages before it. Prompts only ever grow: the prompt of stage k + 1 starts with
   * the prompt of stage k followed by that stage's output, so a KV cache can be reused.
   */
  stagePrompt(question: Question, previousOutputs: readonly string[]): string;
  /** A complete trace (every stage with its output and terminator): training text. */
  renderTrace(question: Question, outputs: readonly string[]): string;
  /** Reads the chosen option from the stage outputs. */
  parseAnswer(question: Question, outputs: readonly string[]): AnswerParse;
}

const LABELS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `0 -> "A"`, `1 -> "B"`, ... up to 26 options. */
export function optionLabel(index: number): string {
  const label = Number.isInteger(index) ? LABELS[index] : undefined;
  if (label === undefined)
    throw new RangeError(`option index must be an integer in 0..25, got ${index}`);
  return label;
}

/** `"A" -> 0`; -1 for anything that is not a single capital letter. */
export function optionIndex(label: string): number {
  return label.length === 1 ? LABELS.indexOf(label) : -1;
}
