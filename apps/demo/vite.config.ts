import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';
import { copyDemoAssets } from './src/demo-assets.js';

const outDir = fileURLToPath(new URL('./dist/app/', import.meta.url));

/** Copies the demo reasoner, its profile and onnxruntime-web's wasm into the build. */
function demoAssetsPlugin(): Plugin {
  return {
    name: 'litestage-demo-assets',
    apply: 'build',
    async writeBundle() {
      await copyDemoAssets(outDir);
    },
  };
}

// The page (web/ -> dist/app/). onnxruntime-web is resolved with its
// `onnxruntime-web-use-extern-wasm` condition: it then loads its wasm and loader from
// `wasmPaths` (`ort/` beside the page, copied there by the plugin) at run time, instead of
// Vite bundling them through `new URL(..., import.meta.url)`.
export default defineConfig({
  root: fileURLToPath(new URL('./web/', import.meta.url)),
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es' },
  plugins: [demoAssetsPlugin()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // onnxruntime-web's own chunk is large by nature; it loads once, in the Worker.
    chunkSizeWarningLimit: 1024,
  },
});
