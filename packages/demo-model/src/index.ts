export { DEMO_MODEL, DemoModelError, openDemoBundle } from './demo-model.js';
export { demoBundleDir, demoCheckpointDir, demoProfilePath } from './paths.js';
