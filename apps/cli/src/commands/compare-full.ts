import type { Engine, Question } from '@litestage/core';
import type { Profile } from '@litestage/profile';
import type { Runtime } from '@litestage/runtime';
import { compareEngines, type EngineComparison } from '@litestage/tasks';
import { CliError, EXIT_INTERRUPTED } from '../cli-error.js';
import type { CliIo } from '../cli-io.js';
import { isAbortOf } from '../interrupt-signal.js';
import { createProgress } from '../progress.js';
import { FULL_DEPTH, PROFILE } from './run-report.js';

/**
 * The profile's engine and full depth (with the profile's KV policy and token caps, so only
 * skipping and early exit differ) on the same questions, interleaved question by question,
 * with a progress bar. Ctrl-C keeps the questions both finished.
 */
export async function compareInterleaved(
  io: CliIo,
  runtime: Runtime,
  profile: Profile,
  engine: Engine,
  questions: readonly Question[],
  signal: AbortSignal,
): Promise<EngineComparison> {
  const maxNewTokens = Object.fromEntries(
    Object.entries(profile.stages).map(([name, stage]) => [name, stage.maxNewTokens]),
  );
  const full = runtime.createEngine(
    runtime.fullDepthProfile({ kvPolicy: profile.runtime.kvPolicy, maxNewTokens }),
  );
  const progress = createProgress(io, { label: 'questions', total: questions.length });
  try {
    return await compareEngines({
      // The profile first on even questions, full depth first on odd ones.
      methods: [
        { name: PROFILE, engine },
        { name: FULL_DEPTH, engine: full },
      ],
      baseline: FULL_DEPTH,
      questions,
      signal,
      onProgress: ({ done }) => progress.update(done),
    });
  } catch (error) {
    if (isAbortOf(error, signal)) {
      throw new CliError('interrupted before any question was compared', {
        exitCode: EXIT_INTERRUPTED,
      });
    }
    throw error;
  } finally {
    progress.finish();
  }
}

/** After the report: an interrupted comparison ends the command with exit code 130. */
export function throwIfInterrupted(
  comparison: EngineComparison,
  questions: readonly Question[],
): void {
  if (comparison.interrupted) {
    throw new CliError(
      `interrupted after ${comparison.questions} of ${questions.length} questions`,
      { exitCode: EXIT_INTERRUPTED },
    );
  }
}
