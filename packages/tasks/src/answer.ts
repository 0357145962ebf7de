import { type AnswerParse, optionIndex } from '@litestage/core';

/** TinyThinker's answer sentence; "The" may be capitalised at the start of a sentence. */
export const TINYTHINKER_ANSWER_PATTERN = /[Tt]he answer is option ([A-Z])\./g;

/**
 * Finds the chosen option in a model's output. Several answer sentences naming the same
 * option count as one answer; naming different options is ambiguous, never a guess.
 */
export function parseOptionAnswer(
  text: string,
  optionCount: number,
  pattern: RegExp = TINYTHINKER_ANSWER_PATTERN,
): AnswerParse {
  const global = pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
  const found = [...text.matchAll(global)].map((match) => match[1] ?? '');
  const distinct = [...new Set(found)];
  if (distinct.length === 0) return { ok: false, reason: 'missing', found };
  if (distinct.length > 1) return { ok: false, reason: 'ambiguous', found };
  const answer = distinct[0] as string;
  const index = optionIndex(answer);
  if (index < 0 || index >= optionCount) return { ok: false, reason: 'out-of-range', found };
  return { ok: true, answer };
}
