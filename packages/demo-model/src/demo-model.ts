import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_MANIFEST_FILE } from '@litestage/model';
import { type LocalBundle, openBundle } from '@litestage/model/node';
import { demoBundleDir } from './paths.js';
import { DEFAULT_DEMO_VERSION, DemoModelError, type DemoModelVersion } from './versions.js';

/**
 * Opens a demo reasoner's bundle (v2 unless another version is named), converted from its
 * checkpoint when the package was built. A source checkout that was never built gets an
 * error saying how to build it.
 */
export async function openDemoBundle(
  version: DemoModelVersion = DEFAULT_DEMO_VERSION,
): Promise<LocalBundle> {
  const dir = demoBundleDir(version);
  try {
    await access(join(dir, BUNDLE_MANIFEST_FILE));
  } catch {
    throw new DemoModelError(`the demo model's bundle is not built (${dir})`, {
      hint: 'run `pnpm build` in the LiteStage checkout, or pass --bundle',
    });
  }
  return openBundle(dir);
}
