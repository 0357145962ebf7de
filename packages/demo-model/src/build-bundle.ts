/**
 * Converts each `checkpoints/<version>/` into `bundles/<version>/` with LiteStage's own
 * converter, exactly as `litestage convert packages/demo-model/checkpoints/v2 <out>` would.
 * Run by the package's `build` script, a cached turbo task; each conversion takes a second or two.
 */
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { convertCheckpoint } from '@litestage/model/convert';
import { demoBundleDir, demoCheckpointDir } from './paths.js';
import { DEMO_MODELS, type DemoModelVersion } from './versions.js';

async function convert(version: DemoModelVersion) {
  const input = demoCheckpointDir(version);
  const out = demoBundleDir(version);
  await access(join(input, 'config.json')).catch(() => {
    throw new Error(`${input}: the demo checkpoint ${version} is missing`);
  });
  // Converted beside the old bundle and swapped in, so a failed build leaves the old one.
  const next = `${out}.next`;
  await mkdir(join(out, '..'), { recursive: true });
  await rm(next, { recursive: true, force: true });
  const manifest = await convertCheckpoint({ input, out: next, name: DEMO_MODELS[version].name });
  await rm(out, { recursive: true, force: true });
  await rename(next, out);
  console.log(`converted the demo checkpoint ${version} into ${out} (${manifest.fingerprint})`);
}

async function main() {
  for (const version of Object.keys(DEMO_MODELS) as DemoModelVersion[]) await convert(version);
}

main().catch((error: Error) => {
  console.error(`build-bundle: ${error.message}`);
  process.exit(1);
});
