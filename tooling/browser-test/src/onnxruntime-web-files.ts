import { createRequire } from 'node:module';
import { dirname } from 'node:path';

/**
 * The folder of the installed onnxruntime-web's `dist/` (its `.wasm` and `.mjs` files), to be
 * served as is: pages set `wasmPaths` to its URL (e.g. `/ort/`), so the 26 MB wasm is never
 * copied into a build nor fetched from a CDN.
 */
export function onnxruntimeWebDist(): string {
  // The package exports its wasm files (not its package.json): the folder holding one is dist/.
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm'));
}
