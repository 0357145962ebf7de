import type { Engine, EngineEvent, EngineResult, Question, RunOptions } from '@litestage/core';

export interface ScriptedAnswer {
  readonly correct: boolean;
  /** Milliseconds of each of the two stages. */
  readonly ms: readonly [number, number];
}

/**
 * An engine that answers from a script instead of a model: `script(question)` says whether
 * it is right and how long its stages took. Every call is logged in `log` (shared between
 * engines to see the order they ran in).
 */
export function scriptedEngine(
  name: string,
  script: (question: Question) => ScriptedAnswer,
  log: string[] = [],
): Engine {
  const run = async (question: Question, options: RunOptions = {}): Promise<EngineResult> => {
    if (options.signal?.aborted) throw new DOMException('the run was aborted', 'AbortError');
    log.push(`${name}:${question.id}`);
    const { correct, ms } = script(question);
    const label = correct ? question.answer : 'Z';
    const stages = (['recall', 'summarize'] as const).map((stage, i) => ({
      name: stage,
      text: `${stage} of ${question.id}`,
      tokens: 10 * (i + 1),
      prefillTokens: 5,
      prefillMs: 0,
      ms: ms[i] as number,
      exitReason: 'eos' as const,
      skipped: [],
    }));
    return {
      questionId: question.id,
      stages,
      answer: { ok: true, answer: label ?? 'A' },
      correct: question.answer === undefined ? undefined : correct,
      ms: ms[0] + ms[1],
    };
  };
  return {
    profile: undefined as never,
    format: undefined as never,
    run,
    async *stream(question, options): AsyncGenerator<EngineEvent> {
      yield { type: 'done', result: await run(question, options) };
    },
  };
}
