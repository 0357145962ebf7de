import { LiteStageError } from '@litestage/errors';

export class DemoModelError extends LiteStageError {
  override readonly name = 'DemoModelError';
}

/** What both demo reasoners were trained for: the synthetic world of `@litestage/tasks`. */
const SYNTHETIC_WORLD = {
  /** The task format its prompts follow (`--task synthetic`). */
  task: 'synthetic',
  /** The world it memorised: `createWorld()`'s defaults (seed 1, 160 creatures). */
  world: 'synthetic-v1-seed1-n160',
  /** Options per question it was trained on (the synthetic task's `SYNTHETIC_OPTION_COUNT`). */
  options: 4,
} as const;

/**
 * The demo reasoners the package ships, by version. Both answer the same questions of the
 * same world; v2 is deeper and was trained with layer dropout, so it has sub-layers to spare.
 */
export const DEMO_MODELS = {
  v1: {
    version: 'v1',
    /** The bundle's name, as `litestage convert --name` would record it. */
    name: 'litestage-demo-reasoner',
    layers: 8,
    ...SYNTHETIC_WORLD,
  },
  v2: {
    version: 'v2',
    name: 'litestage-demo-reasoner-v2',
    layers: 16,
    ...SYNTHETIC_WORLD,
  },
} as const;

export type DemoModelVersion = keyof typeof DEMO_MODELS;
export type DemoModelInfo = (typeof DEMO_MODELS)[DemoModelVersion];

/** The version `openDemoBundle()` and the CLI use when none is named. */
export const DEFAULT_DEMO_VERSION: DemoModelVersion = 'v2';

/** The default demo reasoner (v2). */
export const DEMO_MODEL: DemoModelInfo = DEMO_MODELS[DEFAULT_DEMO_VERSION];

/** The demo reasoner of one version; an unknown version (from JavaScript or a flag) throws. */
export function demoModel(version: string): DemoModelInfo {
  if (!Object.hasOwn(DEMO_MODELS, version)) {
    throw new DemoModelError(`no demo reasoner "${version}"`, {
      hint: `the versions are ${Object.keys(DEMO_MODELS).join(', ')} (default ${DEFAULT_DEMO_VERSION})`,
    });
  }
  return DEMO_MODELS[version as DemoModelVersion];
}
