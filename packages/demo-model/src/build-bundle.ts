/**
 * Converts `checkpoint/` into `bundle/` with LiteStage's own converter, exactly as
 * `litestage convert packages/demo-model/checkpoint <out>` would. Run by the package's `build`
 * script, a cached turbo task; the conversion takes about a second.
 */
import { access, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { convertCheckpoint } from '@litestage/model/convert';
import { DEMO_MODEL } from './demo-model.js';
import { demoBundleDir, demoCheckpointDir } from './paths.js';

async function main() {
  const input = demoCheckpointDir();
  const out = demoBundleDir();
  await access(join(input, 'config.json')).catch(() => {
    throw new Error(`${input}: the demo checkpoint is missing`);
  });
  // Converted beside the old bundle and swapped in, so a failed build leaves the old one.
  const next = `${out}.next`;
  await rm(next, { recursive: true, force: true });
  const manifest = await convertCheckpoint({ input, out: next, name: DEMO_MODEL.name });
  await rm(out, { recursive: true, force: true });
  await rename(next, out);
  console.log(`converted the demo checkpoint into ${out} (${manifest.fingerprint})`);
}

main().catch((error: Error) => {
  console.error(`build-bundle: ${error.message}`);
  process.exit(1);
});
