import type { BundleSource } from '@litestage/core';
import {
  BUNDLE_MANIFEST_FILE,
  BundleError,
  type ModelBundleManifest,
  parseBundleManifest,
} from './bundle-manifest.js';

/** A bundle whose `litestage.json` has been read and checked. */
export interface ModelBundle extends BundleSource {
  readonly manifest: ModelBundleManifest;
}

/** A bundle's files before its manifest is read: a folder, URLs, `File`s, memory. */
export type BundleFiles = Omit<BundleSource, 'manifest'>;

/**
 * Reads and checks a bundle's manifest through `files`, wherever they live; its other files
 * are read later (by the backend, by `loadBundleTokenizer`) through the same `readFile`.
 */
export async function readBundle(files: BundleFiles): Promise<ModelBundle> {
  let bytes: Uint8Array;
  try {
    bytes = await files.readFile(BUNDLE_MANIFEST_FILE);
  } catch (error) {
    throw new BundleError(
      `${files.location}: not a LiteStage bundle (no ${BUNDLE_MANIFEST_FILE}); create one with \`litestage convert\``,
      { cause: error },
    );
  }
  const manifest = parseBundleManifest(new TextDecoder().decode(bytes), files.location);
  const { pathOf } = files;
  return {
    manifest,
    location: files.location,
    readFile: (name) => files.readFile(name),
    ...(pathOf ? { pathOf: (name: string) => pathOf.call(files, name) } : {}),
  };
}
