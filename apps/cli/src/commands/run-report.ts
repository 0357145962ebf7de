import type { EngineResult } from '@litestage/core';
import {
  type EngineComparison,
  outcomeOfResult,
  type RunSummary,
  summarizeRun,
} from '@litestage/tasks';
import type { CliIo } from '../cli-io.js';

const fixed = (n: number, digits = 1) => n.toFixed(digits);
/** A fraction as a percentage with one decimal, e.g. `97.5%`. */
export const pct = (x: number) => `${fixed(100 * x)}%`;

/** One question's stages (unless they were streamed), answer, verdict and times. */
export function printAnswer(
  io: CliIo,
  result: EngineResult,
  options: { json: boolean; streamed: boolean; prefixes: readonly string[] },
): void {
  if (options.json) {
    io.stdout(`${JSON.stringify(result)}\n`);
    return;
  }
  if (!options.streamed)
    for (const [i, stage] of result.stages.entries())
      io.stdout(`${options.prefixes[i]} ${stage.text}\n`);
  const verdict = result.correct === undefined ? '' : result.correct ? ', correct' : ', wrong';
  const stages = result.stages
    .map((s) => `${s.name} ${s.tokens} tokens ${fixed(s.ms, 0)} ms (${s.exitReason})`)
    .join(', ');
  io.stdout(`${answerOf(result)}${verdict}; ${fixed(result.ms, 0)} ms: ${stages}\n`);
}

function answerOf(result: EngineResult): string {
  return result.answer.ok
    ? `answer ${result.answer.answer}`
    : `no answer (${result.answer.reason})`;
}

/**
 * A run over several questions: accuracy with its interval, latency and tokens per stage,
 * over the questions with a gold answer; when none has one, every answer instead.
 */
export function printRun(
  io: CliIo,
  results: readonly EngineResult[],
  options: { json: boolean; interrupted: boolean },
): void {
  const scored = results.filter((r) => r.correct !== undefined);
  const counted = scored.length > 0 ? scored : results;
  const summary = summarizeRun(counted.map(outcomeOfResult));
  const exitReasons = exitReasonsOf(counted);
  if (options.json) {
    const { interrupted } = options;
    io.stdout(
      `${JSON.stringify({ interrupted, scored: scored.length, summary, exitReasons, results })}\n`,
    );
    return;
  }
  if (scored.length === 0) {
    io.stdout('no gold answers: nothing to score\n');
    for (const result of results) io.stdout(`  ${result.questionId}: ${answerOf(result)}\n`);
  } else {
    const { interval } = summary;
    io.stdout(
      `accuracy ${fixed(100 * summary.accuracy)}% (${summary.correct}/${summary.n}; 95% CI ${fixed(100 * interval.lower)}-${fixed(100 * interval.upper)}%), answers unreadable ${fixed(100 * summary.parseFailureRate)}%\n`,
    );
    if (scored.length < results.length)
      io.stdout(`  (${results.length - scored.length} questions without a gold answer left out)\n`);
  }
  io.stdout(`mean latency ${fixed(summary.meanMs, 0)} ms per question\n`);
  for (const [name, stage] of Object.entries(summary.stages)) {
    const reasons = Object.entries(exitReasons[name] ?? {})
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    io.stdout(
      `  ${name}: ${fixed(stage.meanTokens)} tokens, ${fixed(stage.meanMs, 0)} ms (${reasons})\n`,
    );
  }
}

/** Per stage, how many times each exit reason ended it. */
function exitReasonsOf(results: readonly EngineResult[]): Record<string, Record<string, number>> {
  const exits: Record<string, Record<string, number>> = {};
  for (const result of results) {
    for (const stage of result.stages) {
      const counts = exits[stage.name] ?? {};
      counts[stage.exitReason] = (counts[stage.exitReason] ?? 0) + 1;
      exits[stage.name] = counts;
    }
  }
  return exits;
}

/** Names of the two methods `run --compare-full` compares. */
export const FULL_DEPTH = 'full depth';
export const PROFILE = 'profile';

/** `run --compare-full`: both accuracies, the paired difference and the speedup. */
export function printComparison(
  io: CliIo,
  comparison: EngineComparison,
  options: { json: boolean; scored: boolean },
): void {
  const full = comparison.methods[FULL_DEPTH]?.summary as RunSummary;
  const profiled = comparison.methods[PROFILE]?.summary as RunSummary;
  const versus = comparison.paired[PROFILE];
  const speedup = versus?.speedup ?? 1;
  if (options.json) {
    io.stdout(
      `${JSON.stringify({
        interrupted: comparison.interrupted,
        questions: comparison.questions,
        scored: options.scored,
        fullDepth: full,
        profile: profiled,
        paired: versus?.accuracy,
        speedup,
      })}\n`,
    );
    return;
  }
  const line = (label: string, s: RunSummary) =>
    options.scored
      ? `${label} accuracy ${pct(s.accuracy)} (95% CI ${pct(s.interval.lower)}-${pct(s.interval.upper)}), ${fixed(s.meanMs, 0)} ms per question\n`
      : `${label} ${fixed(s.meanMs, 0)} ms per question\n`;
  io.stdout(`questions ${comparison.questions} (profile and full depth interleaved)\n`);
  if (!options.scored) io.stdout('no gold answers: accuracies not compared\n');
  io.stdout(line('full depth:', full));
  io.stdout(line('profile:   ', profiled));
  const paired = versus?.accuracy;
  io.stdout(
    options.scored && paired
      ? `difference ${fixed(100 * paired.difference)} points (paired 95% CI ${fixed(100 * paired.interval.lower)} to ${fixed(100 * paired.interval.upper)}); speedup ${speedup.toFixed(2)}x\n`
      : `speedup ${speedup.toFixed(2)}x\n`,
  );
  for (const name of Object.keys(full.stages)) {
    const before = full.stages[name];
    const after = profiled.stages[name];
    io.stdout(
      `  ${name}: ${fixed(before?.meanTokens ?? 0)} -> ${fixed(after?.meanTokens ?? 0)} tokens, ${fixed(before?.meanMs ?? 0, 0)} -> ${fixed(after?.meanMs ?? 0, 0)} ms\n`,
    );
  }
}
