import { copyFile, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onnxruntimeWebDist } from '@litestage/browser-test';
import { DEFAULT_DEMO_VERSION, demoBundleDir, demoProfilePath } from '@litestage/demo-model';

/** The static build (`vite build` writes it; `pnpm demo` serves it). */
export const DEMO_APP_DIR = fileURLToPath(new URL('../dist/app/', import.meta.url));

/**
 * onnxruntime-web's files the page loads at run time: the wasm build that serves both
 * webgpu and wasm (`onnxruntime-web/webgpu`), and its loader.
 */
export const ORT_RUNTIME_FILES = [
  'ort-wasm-simd-threaded.asyncify.wasm',
  'ort-wasm-simd-threaded.asyncify.mjs',
] as const;

/** One file of the build that comes from elsewhere in the workspace, not from the sources. */
export interface DemoAsset {
  /** Where it lies in the build, e.g. `model/model.onnx`. */
  readonly path: string;
  readonly source: string;
}

/**
 * The files the page fetches besides its own: the demo reasoner's bundle (`model/`), its
 * shipped profile (`profiles/synthetic.json`) and onnxruntime-web's wasm (`ort/`), taken from
 * `@litestage/demo-model` and the installed onnxruntime-web when the app is built, so the
 * build can be hosted anywhere and nothing is committed twice.
 */
export async function demoAssets(): Promise<DemoAsset[]> {
  const bundle = demoBundleDir(DEFAULT_DEMO_VERSION);
  const bundleFiles = (await readdir(bundle, { withFileTypes: true })).filter((e) => e.isFile());
  const ort = onnxruntimeWebDist();
  return [
    ...bundleFiles.map((e) => ({ path: `model/${e.name}`, source: join(bundle, e.name) })),
    { path: 'profiles/synthetic.json', source: demoProfilePath(DEFAULT_DEMO_VERSION) },
    ...ORT_RUNTIME_FILES.map((name) => ({ path: `ort/${name}`, source: join(ort, name) })),
  ];
}

/** Copies the assets into a build folder. */
export async function copyDemoAssets(outDir: string): Promise<DemoAsset[]> {
  const assets = await demoAssets();
  for (const asset of assets) {
    const target = join(outDir, asset.path);
    await mkdir(join(target, '..'), { recursive: true });
    await copyFile(asset.source, target);
  }
  return assets;
}
