import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the parent of `dist/` or `src/`). */
const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The Hugging Face checkpoint as the trainer wrote it: config, safetensors, tokenizer. */
export function demoCheckpointDir(): string {
  return join(packageRoot, 'checkpoint');
}

/** The bundle converted from the checkpoint when the package is built. */
export function demoBundleDir(): string {
  return join(packageRoot, 'bundle');
}

/** The profile `litestage search` found for the demo reasoner on its calibration questions. */
export function demoProfilePath(): string {
  return join(packageRoot, 'profiles', 'synthetic.json');
}
