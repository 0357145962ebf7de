import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { LiteStageError } from '@litestage/errors';
import { BUNDLE_MANIFEST_FILE } from '@litestage/model';
import { type LocalBundle, openBundle } from '@litestage/model/node';
import { demoBundleDir } from './paths.js';

/** What the demo reasoner was trained for: the synthetic world of `@litestage/tasks`. */
export const DEMO_MODEL = {
  /** The bundle's name, as `litestage convert --name` would record it. */
  name: 'litestage-demo-reasoner',
  /** The task format its prompts follow (`--task synthetic`). */
  task: 'synthetic',
  /** The world it memorised: `createWorld()`'s defaults (seed 1, 160 creatures). */
  world: 'synthetic-v1-seed1-n160',
  /** Options per question it was trained on (the synthetic task's `SYNTHETIC_OPTION_COUNT`). */
  options: 4,
} as const;

export class DemoModelError extends LiteStageError {
  override readonly name = 'DemoModelError';
}

/**
 * Opens the demo reasoner's bundle, converted from `checkpoint/` when the package was built.
 * A source checkout that was never built gets an error saying how to build it.
 */
export async function openDemoBundle(): Promise<LocalBundle> {
  const dir = demoBundleDir();
  try {
    await access(join(dir, BUNDLE_MANIFEST_FILE));
  } catch {
    throw new DemoModelError(
      `the demo model's bundle is not built (${dir}); run \`pnpm build\` in the LiteStage checkout, or pass --bundle`,
    );
  }
  return openBundle(dir);
}
