import type { Engine, EngineResult, Question } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import {
  comparePaired,
  type PairedComparison,
  type QuestionOutcome,
  type RunSummary,
  summarizeRun,
} from './metrics.js';

/** One way of answering the questions, under the name the comparison reports it by. */
export interface ComparedMethod {
  readonly name: string;
  readonly engine: Engine;
}

export interface CompareEnginesOptions {
  /** Two or more methods, each run on every question. */
  readonly methods: readonly ComparedMethod[];
  /** The method the others are compared with (default: the first). */
  readonly baseline?: string;
  readonly questions: readonly Question[];
  /** Stops between (or inside) questions; the questions every method finished are reported. */
  readonly signal?: AbortSignal;
  /** Called after every question, once all methods have answered it. */
  readonly onProgress?: (progress: ComparisonProgress) => void;
  /** Confidence of the intervals (default 0.95). */
  readonly confidence?: number;
}

export interface ComparisonProgress {
  readonly done: number;
  readonly total: number;
}

/** What one method did on the compared questions. */
export interface MethodReport {
  readonly summary: RunSummary;
  /** In question order. */
  readonly results: readonly EngineResult[];
}

/** A method set against the baseline on the same questions. */
export interface BaselineComparison {
  /** Accuracy of the method minus the baseline's, with Newcombe's paired interval. */
  readonly accuracy: PairedComparison;
  /** The baseline's mean time per question over the method's. */
  readonly speedup: number;
}

export interface EngineComparison {
  /** Questions every method answered (all of them unless interrupted). */
  readonly questions: number;
  readonly interrupted: boolean;
  readonly baseline: string;
  /** Method name -> its summary and results, in the order the methods were given. */
  readonly methods: Readonly<Record<string, MethodReport>>;
  /** Every method but the baseline -> its comparison with the baseline. */
  readonly paired: Readonly<Record<string, BaselineComparison>>;
}

/** A comparison that cannot be run as asked (too few methods, an unknown baseline). */
export class EngineComparisonError extends LiteStageError {
  override readonly name = 'EngineComparisonError';
}

/** What `summarizeRun` needs of an engine's result. */
export function outcomeOfResult(result: EngineResult): QuestionOutcome {
  return {
    id: result.questionId,
    parsed: result.answer,
    correct: result.correct === true,
    stages: result.stages.map((s) => ({ name: s.name, tokens: s.tokens, ms: s.ms })),
  };
}

/**
 * Runs every method on the same questions, question by question, rotating which method
 * goes first so that drift of the machine (heat, other jobs) falls on all of them alike;
 * then summarizes each method and compares each with the baseline, paired by question.
 *
 * An abort through `signal` ends the comparison early: the questions every method finished
 * are reported, with `interrupted` set. An abort before the first question is finished
 * rethrows the abort (an `AbortError`), as there is nothing to report.
 */
export async function compareEngines(options: CompareEnginesOptions): Promise<EngineComparison> {
  const { methods, questions, signal } = options;
  const baseline = baselineOf(options);
  const results = methods.map((): EngineResult[] => []);
  let interrupted = false;
  for (const [index, question] of questions.entries()) {
    try {
      const answers = await answerInRotation(methods, question, index, signal);
      for (const [m, answer] of answers.entries()) results[m]?.push(answer);
    } catch (error) {
      if (!signal?.aborted || (error as Error).name !== 'AbortError') throw error;
      interrupted = true;
      break;
    }
    options.onProgress?.({ done: index + 1, total: questions.length });
  }
  const answered = results[0]?.length ?? 0;
  if (answered === 0) {
    if (interrupted) throw new DOMException('the comparison was aborted', 'AbortError');
    throw new EngineComparisonError('a comparison needs at least one question');
  }
  return summarizeComparison(methods, results, baseline, interrupted, options.confidence);
}

function baselineOf(options: CompareEnginesOptions): string {
  const names = options.methods.map((m) => m.name);
  if (names.length < 2) {
    throw new EngineComparisonError(`a comparison needs two or more methods, got ${names.length}`);
  }
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new EngineComparisonError(`two methods are named "${duplicate}"; give each its own name`);
  }
  const baseline = options.baseline ?? (names[0] as string);
  if (!names.includes(baseline)) {
    throw new EngineComparisonError(
      `the baseline "${baseline}" is not one of the methods (${names.join(', ')})`,
    );
  }
  return baseline;
}

/** Answers one question with every method, starting at method `index mod N`. */
async function answerInRotation(
  methods: readonly ComparedMethod[],
  question: Question,
  index: number,
  signal: AbortSignal | undefined,
): Promise<EngineResult[]> {
  const answers: EngineResult[] = new Array(methods.length);
  for (let step = 0; step < methods.length; step++) {
    const m = (index + step) % methods.length;
    const engine = (methods[m] as ComparedMethod).engine;
    answers[m] = await engine.run(question, signal ? { signal } : {});
  }
  return answers;
}

function summarizeComparison(
  methods: readonly ComparedMethod[],
  results: readonly EngineResult[][],
  baseline: string,
  interrupted: boolean,
  confidence = 0.95,
): EngineComparison {
  const reports: Record<string, MethodReport> = {};
  for (const [m, method] of methods.entries()) {
    const own = results[m] as EngineResult[];
    reports[method.name] = {
      summary: summarizeRun(own.map(outcomeOfResult), confidence),
      results: own,
    };
  }
  const base = reports[baseline] as MethodReport;
  const correct = (report: MethodReport) => report.results.map((r) => r.correct === true);
  const paired: Record<string, BaselineComparison> = {};
  for (const method of methods) {
    if (method.name === baseline) continue;
    const report = reports[method.name] as MethodReport;
    paired[method.name] = {
      accuracy: comparePaired(correct(base), correct(report), confidence),
      speedup: report.summary.meanMs > 0 ? base.summary.meanMs / report.summary.meanMs : 1,
    };
  }
  return { questions: base.results.length, interrupted, baseline, methods: reports, paired };
}
