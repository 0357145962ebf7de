import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { BundleError } from '../bundle-manifest.js';
import { type ModelBundle, readBundle } from '../read-bundle.js';

/** A bundle in a folder on disk: its files also have paths, which backends may map. */
export interface LocalBundle extends ModelBundle {
  pathOf(name: string): string;
}

/** Opens a bundle folder and checks its manifest. */
export async function openBundle(dir: string): Promise<LocalBundle> {
  const root = resolve(dir);
  const pathOf = (name: string) => join(root, name);
  const bundle = await readBundle({
    location: root,
    pathOf,
    readFile: async (name) => {
      try {
        return new Uint8Array(await readFile(pathOf(name)));
      } catch (error) {
        throw new BundleError(`${root}: missing bundle file ${name}`, { cause: error });
      }
    },
  });
  return { ...bundle, pathOf };
}
