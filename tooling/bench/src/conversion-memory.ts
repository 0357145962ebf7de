/**
 * Peak memory of converting a TinyLlama-sized checkpoint (random weights with TinyLlama's
 * exact configuration, sharded bf16) to an int4 bundle, measured with `/usr/bin/time -v`
 * around `litestage convert`.
 *
 *   pnpm --filter @litestage/bench conversion-memory [--dir <work dir>] [--quant int4|int8|none]
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRandomWeights,
  tinySentencePieceBpe,
  writeHuggingFaceCheckpoint,
} from '@litestage/model/testing';
import { TINYLLAMA_CONFIG } from './tinyllama-config.js';

async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir)) total += (await stat(join(dir, name))).size;
  return total;
}

const argValue = (flag: string) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

const workDir = argValue('--dir') ?? (await mkdtemp(join(tmpdir(), 'litestage-conversion-')));
const quant = argValue('--quant') ?? 'int4';
const checkpoint = join(workDir, 'tinyllama-shaped');
const bundle = join(workDir, `bundle-${quant}`);

if (!(await stat(join(checkpoint, 'model.safetensors.index.json')).catch(() => null))) {
  const started = Date.now();
  console.log(`writing a random TinyLlama-shaped checkpoint (bf16, 3 shards) to ${checkpoint} ...`);
  await writeHuggingFaceCheckpoint(
    checkpoint,
    TINYLLAMA_CONFIG,
    createRandomWeights(TINYLLAMA_CONFIG, 1),
    {
      dtype: 'BF16',
      shards: 3,
    },
  );
  // Conversion checks that the tokenizer loads, not its quality: a tiny one will do.
  await writeFile(join(checkpoint, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
  console.log(
    `  ${((await folderSize(checkpoint)) / 2 ** 30).toFixed(2)} GiB in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}
await rm(bundle, { recursive: true, force: true });

const cli = fileURLToPath(new URL('../../../apps/cli/dist/bin.js', import.meta.url));
console.log(
  `converting with: /usr/bin/time -v node ${cli} convert ... --quant ${quant} --no-plain`,
);
const result = spawnSync(
  '/usr/bin/time',
  [
    '-v',
    process.execPath,
    cli,
    'convert',
    checkpoint,
    '--out',
    bundle,
    '--quant',
    quant,
    '--no-plain',
  ],
  {
    encoding: 'utf8',
  },
);
if (result.status !== 0) {
  console.error(result.stdout, result.stderr);
  process.exit(1);
}
const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(result.stderr)?.[1]);
const elapsed = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)/.exec(result.stderr)?.[1];
console.log(result.stdout.trim());
console.log(`checkpoint: ${((await folderSize(checkpoint)) / 2 ** 30).toFixed(2)} GiB (bf16)`);
console.log(`bundle:     ${((await folderSize(bundle)) / 2 ** 30).toFixed(2)} GiB (${quant})`);
console.log(`peak RSS:   ${(peakKb / 2 ** 20).toFixed(2)} GiB (${peakKb} kB), wall ${elapsed}`);
