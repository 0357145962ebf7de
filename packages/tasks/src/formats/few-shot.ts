import { optionIndex, optionLabel } from '@litestage/core';
import { DatasetError } from '../datasets/dataset-error.js';
import type { FewShotExample } from './tinythinker-format.js';

/**
 * Turns TinyThinker's exemplar files (`csqa_cot.json`, `obqa_cot.json`,
 * `strategyqa_cot.json`: `Q`, `Options`, `Key Information`, `Explanations`) into solved
 * examples for the few-shot preamble: the key information is the recall, one sentence per
 * option the analysis, and the option marked correct the summary.
 */
export function readTinyThinkerExemplars(text: string, source: string): FewShotExample[] {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(source, `not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items)) throw new DatasetError(source, 'expected a JSON array of exemplars');
  return items.map((item, index) => {
    const where = { index };
    const fail = (message: string): never => {
      throw new DatasetError(source, message, where);
    };
    if (typeof item !== 'object' || item === null) fail('expected an object');
    const record = item as Record<string, unknown>;
    const question = record.Q;
    const optionText = record.Options;
    const key = record['Key Information'];
    const explanations = record.Explanations;
    if (typeof question !== 'string' || question.trim() === '')
      fail('"Q" must be a non-empty string');
    if (typeof optionText !== 'string') fail('"Options" must be a string like "A. x, B. y"');
    if (typeof key !== 'string') fail('"Key Information" must be a string');
    if (!Array.isArray(explanations) || !explanations.every((e) => typeof e === 'string')) {
      fail('"Explanations" must be an array of strings');
    }
    const options =
      parseOptionList(optionText as string) ?? fail(`cannot read "Options": ${optionText}`);
    const analyses: string[] = [];
    const correct: string[] = [];
    for (const explanation of explanations as string[]) {
      const match = /^([A-Z]) is (correct|incorrect)\.\s*(?:Because\s+)?(.*)$/s.exec(
        explanation.trim(),
      );
      if (!match) fail(`cannot read explanation: ${explanation}`);
      const [, label, verdict, reason] = match as RegExpExecArray;
      if (optionIndex(label as string) >= options.length)
        fail(`explanation for unknown option ${label}`);
      if (verdict === 'correct') correct.push(label as string);
      const because = (reason as string).trim().replace(/\.$/, '');
      analyses.push(
        `For option ${label}, ${because}, so it is ${verdict === 'correct' ? 'right' : 'wrong'}.`,
      );
    }
    if (correct.length !== 1) fail(`expected exactly one correct option, found ${correct.length}`);
    const answer = correct[0] as string;
    return {
      question: {
        id: `${source}#${index}`,
        question: (question as string).trim(),
        options,
        answer,
      },
      outputs: [(key as string).trim(), analyses.join(' '), `So the answer is option ${answer}.`],
    };
  });
}

/** `"A. shirt pocket, B. inkwell"` -> `["shirt pocket", "inkwell"]`; null when malformed. */
function parseOptionList(text: string): string[] | null {
  const parts = text.split(/(?:^|,\s*)(?=[A-Z]\.\s)/).filter((part) => part.trim() !== '');
  const options: string[] = [];
  for (const [i, part] of parts.entries()) {
    const match = /^([A-Z])\.\s+(.*?)\s*$/s.exec(part);
    if (!match || match[1] !== optionLabel(i)) return null;
    options.push(match[2] as string);
  }
  return options.length >= 2 ? options : null;
}
