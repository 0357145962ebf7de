import { optionLabel, type Question } from '@litestage/core';
import { DEMO_MODEL, openDemoBundle } from '@litestage/demo-model';
import type { ModelBundleSource } from '@litestage/runtime';
import type { CliIo } from '../cli-io.js';

/** Help for `--bundle` in commands that fall back to the demo reasoner. */
export const BUNDLE_OPTION_HELP =
  'a bundle folder made by `litestage convert` (default: the demo reasoner of @litestage/demo-model)';

/** Help for `--task` in the same commands. */
export const TASK_OPTION_HELP = `the task format (default: tinythinker; "${DEMO_MODEL.task}" for the demo reasoner)`;

/** Help for `--threads`, as `openRuntime` reads it. */
export const THREADS_OPTION_HELP = 'CPU threads (0 or omitted: the backend chooses)';

/**
 * The bundle for `openRuntime`: the folder at `--bundle`, or the demo reasoner's bundle
 * (an unbuilt one throws a `DemoModelError` saying how to build it).
 */
export async function bundleOrDemo(dir: string | undefined): Promise<string | ModelBundleSource> {
  return dir ?? openDemoBundle();
}

/** `--task`, or the default for the bundle: the demo reasoner's own format, else TinyThinker. */
export function taskOf(flags: { bundle?: string; task?: string }): string {
  return flags.task ?? (flags.bundle ? 'tinythinker' : DEMO_MODEL.task);
}

/**
 * Warns (on stderr) when the demo reasoner gets questions with another number of options
 * than it was trained on: it then invents the missing options or ignores the extra ones.
 */
export function warnOnDemoOptionCount(io: CliIo, questions: readonly Question[]): void {
  const counts = [...new Set(questions.map((q) => q.options.length))].filter(
    (n) => n !== DEMO_MODEL.options,
  );
  if (counts.length === 0) return;
  const expected = Array.from({ length: DEMO_MODEL.options }, (_, i) => optionLabel(i)).join(', ');
  io.stderr(
    `litestage: warning: the demo reasoner was trained on questions with ${DEMO_MODEL.options} options, not ${counts.join(' or ')}; it may invent or ignore options (give ${DEMO_MODEL.options}: ${expected})\n`,
  );
}
