export { openDemoBundle } from './demo-model.js';
export { demoBundleDir, demoCheckpointDir, demoProfilePath } from './paths.js';
export {
  DEFAULT_DEMO_VERSION,
  DEMO_MODEL,
  DEMO_MODELS,
  DemoModelError,
  type DemoModelInfo,
  type DemoModelVersion,
  demoModel,
} from './versions.js';
