// The Node side of the demo app: where its static build lies and the server `pnpm demo` runs.
// The page itself is `web/` (built by Vite into `dist/app/`).
export {
  copyDemoAssets,
  DEMO_APP_DIR,
  type DemoAsset,
  demoAssets,
  ORT_RUNTIME_FILES,
} from './demo-assets.js';
export {
  DEFAULT_DEMO_PORT,
  DemoBuildMissingError,
  type ServeDemoOptions,
  serveDemo,
} from './serve-demo.js';
