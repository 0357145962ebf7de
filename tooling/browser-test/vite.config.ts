import { fileURLToPath } from 'node:url';
import { defaultClientConditions, defineConfig } from 'vite';

// Builds the harness page (harness/ -> dist/harness/). onnxruntime-web is resolved with its
// `onnxruntime-web-use-extern-wasm` condition: its build then loads the wasm and its loader
// from `wasmPaths` (served from node_modules by the test server) instead of referencing them
// with `new URL(..., import.meta.url)`, which would copy 26 MB of wasm into the output.
export default defineConfig({
  root: fileURLToPath(new URL('./harness/', import.meta.url)),
  base: './',
  logLevel: 'warn',
  resolve: { conditions: ['onnxruntime-web-use-extern-wasm', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: {
    outDir: fileURLToPath(new URL('./dist/harness/', import.meta.url)),
    emptyOutDir: true,
    // The harness is for tests: readable stack traces beat small files.
    minify: false,
    sourcemap: true,
    target: 'es2022',
  },
});
