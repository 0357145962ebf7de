import {
  type AnswerParse,
  optionLabel,
  type Question,
  type StageSpec,
  type TaskFormat,
} from '@litestage/core';
import { parseOptionAnswer, TINYTHINKER_ANSWER_PATTERN } from '../answer.js';

export const TINYTHINKER_FORMAT_ID = 'tinythinker';

export interface TinyThinkerOptions {
  /**
   * Solved examples written before the question (a few-shot preamble), so a model that
   * was never fine-tuned on the format can follow it. See `readTinyThinkerExemplars`.
   */
  readonly fewShot?: readonly FewShotExample[];
  /** Per-stage token caps, overriding the defaults. */
  readonly maxNewTokens?: Readonly<Partial<Record<'recall' | 'analyze' | 'summarize', number>>>;
}

/** A solved question: the question and its three stage outputs. */
export interface FewShotExample {
  readonly question: Question;
  readonly outputs: readonly [recall: string, analyze: string, summarize: string];
}

const DEFAULT_MAX_NEW_TOKENS = { recall: 128, analyze: 256, summarize: 32 };

/** `{question}\n(A) {a} (B) {b} ...` */
export function renderTinyThinkerQuestion(question: Question): string {
  const options = question.options.map((text, i) => `(${optionLabel(i)}) ${text}`).join(' ');
  return `${question.question}\n${options}\n`;
}

/**
 * TinyThinker's three stages (Piao & Park, 2024) in one running context:
 *
 * ```
 * {question}
 * (A) {a} (B) {b} ...
 * Recall: {general knowledge}
 * Analyze: For option A, ... For option B, ...
 * Summarize: ... So the answer is option X.
 * ```
 *
 * Each stage's output is one line: it follows its prefix after a space and ends at the
 * newline (or end of sequence). The answer is read from the summarize stage.
 */
export function createTinyThinkerFormat(options: TinyThinkerOptions = {}): TaskFormat {
  const caps = { ...DEFAULT_MAX_NEW_TOKENS, ...options.maxNewTokens };
  const stage = (name: keyof typeof caps, prefix: string): StageSpec => ({
    name,
    prefix,
    stopStrings: ['\n'],
    stopAtEos: true,
    maxNewTokens: caps[name],
  });
  const stages: readonly StageSpec[] = [
    stage('recall', 'Recall:'),
    stage('analyze', 'Analyze:'),
    stage('summarize', 'Summarize:'),
  ];

  const completedStages = (outputs: readonly string[]): string =>
    outputs.map((output, i) => `${stageAt(stages, i).prefix} ${output.trim()}\n`).join('');

  const trace = (question: Question, outputs: readonly string[]): string =>
    renderTinyThinkerQuestion(question) + completedStages(outputs);

  const preamble = (options.fewShot ?? [])
    .map((example) => `${trace(example.question, example.outputs)}\n`)
    .join('');

  return {
    id: TINYTHINKER_FORMAT_ID,
    description: 'TinyThinker: Recall / Analyze / Summarize, answer "So the answer is option X."',
    stages,
    stagePrompt(question, previousOutputs) {
      const next = stageAt(stages, previousOutputs.length);
      return `${preamble}${trace(question, previousOutputs)}${next.prefix}`;
    },
    renderTrace(question, outputs) {
      if (outputs.length !== stages.length) {
        throw new RangeError(`a trace needs ${stages.length} stage outputs, got ${outputs.length}`);
      }
      return preamble + trace(question, outputs);
    },
    parseAnswer(question, outputs): AnswerParse {
      const summary = outputs[stages.length - 1];
      if (summary === undefined) return { ok: false, reason: 'missing', found: [] };
      return parseOptionAnswer(summary, question.options.length, TINYTHINKER_ANSWER_PATTERN);
    },
  };
}

function stageAt(stages: readonly StageSpec[], index: number): StageSpec {
  const stage = stages[index];
  if (!stage) {
    throw new RangeError(
      `stage index ${index} is out of range: the format has ${stages.length} stages`,
    );
  }
  return stage;
}
