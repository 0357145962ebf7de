import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_DEMO_VERSION, type DemoModelVersion, demoModel } from './versions.js';

/** The package's root folder (the parent of `dist/` or `src/`). */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Hugging Face checkpoint as the trainer wrote it: config, safetensors, tokenizer. */
export function demoCheckpointDir(version: DemoModelVersion = DEFAULT_DEMO_VERSION): string {
  return join(packageRoot, 'checkpoints', demoModel(version).version);
}

/** The bundle converted from the checkpoint when the package is built. */
export function demoBundleDir(version: DemoModelVersion = DEFAULT_DEMO_VERSION): string {
  return join(packageRoot, 'bundles', demoModel(version).version);
}

/** The profile `litestage search` found for the demo reasoner on its calibration questions. */
export function demoProfilePath(version: DemoModelVersion = DEFAULT_DEMO_VERSION): string {
  const { version: v, task } = demoModel(version);
  return join(packageRoot, 'profiles', v, `${task}.json`);
}
