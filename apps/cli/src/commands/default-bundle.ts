import type { TaskFormat } from '@litestage/core';
import { DEMO_MODEL, DemoModelError, openDemoBundle } from '@litestage/demo-model';
import { type LocalBundle, openBundle } from '@litestage/model/node';
import { getTaskFormat } from '@litestage/tasks';
import { CliError } from '../cli-error.js';

/** Help for `--bundle` in commands that fall back to the demo reasoner. */
export const BUNDLE_OPTION_HELP =
  'a bundle folder made by `litestage convert` (default: the demo reasoner of @litestage/demo-model)';

/** Help for `--task` in the same commands. */
export const TASK_OPTION_HELP = `the task format (default: tinythinker; "${DEMO_MODEL.task}" for the demo reasoner)`;

/** The bundle at `--bundle`, or the demo reasoner's when none was given (unbuilt: a CliError). */
export async function openBundleOrDemo(dir: string | undefined): Promise<LocalBundle> {
  if (dir) return openBundle(dir);
  try {
    return await openDemoBundle();
  } catch (error) {
    if (error instanceof DemoModelError) throw new CliError(error.message);
    throw error;
  }
}

/** `--task`, or the default for the bundle: the demo reasoner's own format, else TinyThinker. */
export function taskOf(flags: { bundle?: string; task?: string }): string {
  return flags.task ?? (flags.bundle ? 'tinythinker' : DEMO_MODEL.task);
}

/** The registered format named `task`; an unknown name is a CliError listing the known ones. */
export function taskFormatOf(task: string, options?: Record<string, unknown>): TaskFormat {
  try {
    return getTaskFormat(task, options);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
