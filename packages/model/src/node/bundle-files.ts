import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { BundleSource } from '@litestage/core';
import {
  BUNDLE_MANIFEST_FILE,
  BundleError,
  type ModelBundleManifest,
  parseBundleManifest,
} from '../bundle-manifest.js';

export interface LocalBundle extends BundleSource {
  readonly manifest: ModelBundleManifest;
  pathOf(name: string): string;
}

/** Opens a bundle folder and checks its manifest. */
export async function openBundle(dir: string): Promise<LocalBundle> {
  const root = resolve(dir);
  let text: string;
  try {
    text = await readFile(join(root, BUNDLE_MANIFEST_FILE), 'utf8');
  } catch {
    throw new BundleError(
      `${root}: not a LiteStage bundle (no ${BUNDLE_MANIFEST_FILE}); create one with \`litestage convert\``,
    );
  }
  const manifest = parseBundleManifest(text, root);
  return {
    manifest,
    location: root,
    pathOf: (name) => join(root, name),
    readFile: async (name) => {
      try {
        return new Uint8Array(await readFile(join(root, name)));
      } catch {
        throw new BundleError(`${root}: missing bundle file ${name}`);
      }
    },
  };
}
