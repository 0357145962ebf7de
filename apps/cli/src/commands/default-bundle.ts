import { DEMO_MODEL, openDemoBundle } from '@litestage/demo-model';
import { type LocalBundle, openBundle } from '@litestage/model/node';

/** Help for `--bundle` in commands that fall back to the demo reasoner. */
export const BUNDLE_OPTION_HELP =
  'a bundle folder made by `litestage convert` (default: the demo reasoner of @litestage/demo-model)';

/** Help for `--task` in the same commands. */
export const TASK_OPTION_HELP = `the task format (default: tinythinker; "${DEMO_MODEL.task}" for the demo reasoner)`;

/** The bundle at `--bundle`, or the demo reasoner's when none was given. */
export function openBundleOrDemo(dir: string | undefined): Promise<LocalBundle> {
  return dir ? openBundle(dir) : openDemoBundle();
}

/** `--task`, or the default for the bundle: the demo reasoner's own format, else TinyThinker. */
export function taskOf(flags: { bundle?: string; task?: string }): string {
  return flags.task ?? (flags.bundle ? 'tinythinker' : DEMO_MODEL.task);
}
