import type { AnswerParse, Engine, EngineResult, Question } from '@litestage/core';
import { LiteStageError } from '@litestage/errors';
import { appendLine, readLines } from '@litestage/tasks/node';

/** One way of answering, under the name the report gives it. */
export interface BenchMethod {
  readonly name: string;
  readonly engine: Engine;
}

/** What one method did on one question, as kept between runs. */
export type MethodOutcome = AnsweredOutcome | FailedOutcome;

export interface AnsweredOutcome {
  readonly method: string;
  readonly questionId: string;
  readonly ok: true;
  readonly correct: boolean;
  readonly answer: AnswerParse;
  readonly ms: number;
  readonly stages: readonly {
    readonly name: string;
    readonly tokens: number;
    readonly prefillTokens: number;
    readonly ms: number;
    readonly exitReason: string;
  }[];
}

/** The method threw on this question; it is not run on later questions. */
export interface FailedOutcome {
  readonly method: string;
  readonly questionId: string;
  readonly ok: false;
  readonly error: string;
}

/** Where outcomes are kept, so an interrupted run resumes (a JSONL file, or memory). */
export interface OutcomeStore {
  load(): Promise<MethodOutcome[]>;
  append(outcome: MethodOutcome): Promise<void>;
}

export class BenchRunError extends LiteStageError {
  override readonly name = 'BenchRunError';
}

export interface RunMethodsOptions {
  readonly methods: readonly BenchMethod[];
  readonly questions: readonly Question[];
  /** Outcomes of an earlier run of the same methods and questions are taken from here. */
  readonly store?: OutcomeStore;
  /** Stops between or inside questions; what finished is kept. */
  readonly signal?: AbortSignal;
  /** After every question (`done` counts questions every live method has answered). */
  readonly onProgress?: (progress: { readonly done: number; readonly total: number }) => void;
}

export interface MethodRuns {
  /** Method name -> its outcome per question, in question order (undefined: not run). */
  readonly outcomes: ReadonlyMap<string, readonly (MethodOutcome | undefined)[]>;
  readonly interrupted: boolean;
  /** Outcomes taken from the store rather than run now. */
  readonly resumed: number;
}

/**
 * Runs every method on every question, question by question, rotating which method goes
 * first (question i starts with method i mod M) so drift of the machine falls on all alike.
 * Each outcome is stored as soon as it exists; a rerun with the same store runs only what is
 * missing. A method that throws is recorded as failed on that question and not run again,
 * while the others finish.
 */
export async function runMethods(options: RunMethodsOptions): Promise<MethodRuns> {
  const { methods, questions, signal } = options;
  checkNames(methods, questions);
  const previous = new Map<string, MethodOutcome>();
  const failed = new Set<string>();
  for (const outcome of (await options.store?.load()) ?? []) {
    previous.set(keyOf(outcome.method, outcome.questionId), outcome);
    if (!outcome.ok) failed.add(outcome.method);
  }
  const outcomes = new Map(
    methods.map((m) => [m.name, new Array<MethodOutcome | undefined>(questions.length)]),
  );
  let resumed = 0;
  let interrupted = false;
  outer: for (const [index, question] of questions.entries()) {
    for (let step = 0; step < methods.length; step++) {
      const method = methods[(index + step) % methods.length] as BenchMethod;
      const row = outcomes.get(method.name) as (MethodOutcome | undefined)[];
      const known = previous.get(keyOf(method.name, question.id));
      if (known) {
        row[index] = known;
        resumed++;
        continue;
      }
      if (failed.has(method.name)) continue;
      if (signal?.aborted) {
        interrupted = true;
        break outer;
      }
      let outcome: MethodOutcome;
      try {
        outcome = answered(
          method.name,
          await method.engine.run(question, signal ? { signal } : {}),
        );
      } catch (error) {
        if (signal?.aborted) {
          interrupted = true;
          break outer;
        }
        outcome = {
          method: method.name,
          questionId: question.id,
          ok: false,
          error: error instanceof Error ? error.message : String(error),
        };
        failed.add(method.name);
      }
      row[index] = outcome;
      await options.store?.append(outcome);
    }
    options.onProgress?.({ done: index + 1, total: questions.length });
  }
  return { outcomes, interrupted, resumed };
}

function checkNames(methods: readonly BenchMethod[], questions: readonly Question[]): void {
  if (methods.length === 0) throw new BenchRunError('a bench needs at least one method');
  const names = methods.map((m) => m.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new BenchRunError(`two methods are named "${twice}"`);
  const ids = questions.map((q) => q.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined)
    throw new BenchRunError(`question id "${repeated}" appears twice; ids must be unique`);
}

function keyOf(method: string, questionId: string): string {
  return `${method}\u0000${questionId}`;
}

function answered(method: string, result: EngineResult): AnsweredOutcome {
  return {
    method,
    questionId: result.questionId,
    ok: true,
    correct: result.correct === true,
    answer: result.answer,
    ms: result.ms,
    stages: result.stages.map((s) => ({
      name: s.name,
      tokens: s.tokens,
      prefillTokens: s.prefillTokens,
      ms: s.ms,
      exitReason: s.exitReason,
    })),
  };
}

/** Keeps outcomes in memory (tests, or a caller that persists them itself). */
export class MemoryOutcomeStore implements OutcomeStore {
  readonly lines: string[] = [];

  async load(): Promise<MethodOutcome[]> {
    return parseOutcomeLines(this.lines);
  }

  async append(outcome: MethodOutcome): Promise<void> {
    this.lines.push(JSON.stringify(outcome));
  }
}

/** Keeps outcomes in a JSONL file, one line appended per outcome. */
export class FileOutcomeStore implements OutcomeStore {
  constructor(readonly path: string) {}

  async load(): Promise<MethodOutcome[]> {
    return parseOutcomeLines(await readLines(this.path));
  }

  async append(outcome: MethodOutcome): Promise<void> {
    await appendLine(this.path, JSON.stringify(outcome));
  }
}

/** Stored lines back as outcomes; a line cut off by a killed run is dropped (and rerun). */
export function parseOutcomeLines(lines: readonly string[]): MethodOutcome[] {
  const outcomes: MethodOutcome[] = [];
  for (const line of lines) {
    if (line.trim() === '') continue;
    let value: Partial<MethodOutcome>;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof value.method !== 'string' || typeof value.questionId !== 'string') continue;
    if (value.ok === true && typeof value.correct === 'boolean' && Array.isArray(value.stages))
      outcomes.push(value as AnsweredOutcome);
    else if (value.ok === false && typeof value.error === 'string')
      outcomes.push(value as FailedOutcome);
  }
  return outcomes;
}
