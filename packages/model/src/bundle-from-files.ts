import { BundleError } from './bundle-manifest.js';
import { type ModelBundle, readBundle } from './read-bundle.js';

/**
 * A bundle from files the user picked (`<input type="file" webkitdirectory>` or a drop): each
 * file is found by its name, whatever folder it was chosen from. Browser-safe, and usable
 * from a Worker (a `File` can be posted to one). A file the bundle needs that was not picked
 * fails with its name and the names that were.
 */
export async function bundleFromFiles(
  files: Iterable<File> | ArrayLike<File>,
  location = folderOf(Array.from(files)),
): Promise<ModelBundle> {
  const byName = new Map<string, File>();
  for (const file of Array.from(files)) byName.set(file.name, file);
  return readBundle({
    location,
    readFile: async (name) => {
      const file = byName.get(name);
      if (!file) {
        const picked = [...byName.keys()].sort().join(', ') || 'none';
        throw new BundleError(
          `${location}: missing bundle file ${name} (files chosen: ${picked}); choose every file of the bundle folder`,
        );
      }
      return new Uint8Array(await file.arrayBuffer());
    },
  });
}

/** The folder the files were picked from, when the browser says (`webkitRelativePath`). */
function folderOf(files: readonly File[]): string {
  const path = (files[0] as (File & { webkitRelativePath?: string }) | undefined)
    ?.webkitRelativePath;
  const folder = path?.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  return folder === '' ? 'the chosen files' : folder;
}
