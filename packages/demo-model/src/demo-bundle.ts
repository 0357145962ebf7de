import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LocalBundle, openBundle } from '@litestage/model/node';

const root = new URL('../', import.meta.url);

/** The Hugging Face checkpoint of the demo reasoner, as the trainer wrote it. */
export const DEMO_CHECKPOINT_DIR = fileURLToPath(new URL('weights/', root));

/** The bundle converted from it when this package is built (by `litestage convert`'s converter). */
export const DEMO_BUNDLE_DIR = fileURLToPath(new URL('dist/bundle/', root));

/** The profile the search found for the demo reasoner on its calibration split. */
export const DEMO_PROFILE_PATH = fileURLToPath(new URL('profiles/demo.profile.json', root));

/** Opens the demo reasoner's bundle, ready for a backend. */
export async function openDemoBundle(): Promise<LocalBundle> {
  if (!existsSync(DEMO_BUNDLE_DIR)) {
    throw new Error(
      `the demo bundle is missing at ${DEMO_BUNDLE_DIR}: build @litestage/demo-model (pnpm build) to convert its weights`,
    );
  }
  return openBundle(DEMO_BUNDLE_DIR);
}
