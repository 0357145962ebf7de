import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConvertOptions, convertCheckpoint } from '@litestage/model/convert';
import {
  createRandomWeights,
  tinySentencePieceBpe,
  writeHuggingFaceCheckpoint,
} from '@litestage/model/testing';
import { TINYLLAMA_CONFIG } from '../tinyllama-config.js';

const exists = async (path: string) => Boolean(await stat(path).catch(() => null));

/** The demo reasoner v2's own checkpoint, as committed. */
export const DEMO_CHECKPOINT = fileURLToPath(
  new URL('../../../../packages/demo-model/checkpoints/v2', import.meta.url),
);

/**
 * A bundle converted once into `cache` and reused by later runs (a half-written one is
 * never reused: conversion goes to a temporary folder renamed when done).
 */
export async function cachedBundle(
  cache: string,
  name: string,
  options: Omit<ConvertOptions, 'out'>,
  log: (line: string) => void,
): Promise<string> {
  const out = join(cache, name);
  if (await exists(join(out, 'litestage.json'))) return out;
  if (options.layout === 'optimum' && (await exists(join(out, 'config.json')))) return out;
  const partial = `${out}.partial`;
  await mkdir(cache, { recursive: true });
  await rm(partial, { recursive: true, force: true });
  const started = performance.now();
  log(`converting ${name} (once; cached in ${cache}) ...`);
  await convertCheckpoint({ ...options, out: partial });
  await rename(partial, out);
  log(`  ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return out;
}

/**
 * A random checkpoint with TinyLlama-1.1B's exact shape (deterministic weights, bf16, three
 * shards) written once into `cache`, with a tiny tokenizer (only its loading matters).
 */
export async function tinyLlamaCheckpoint(
  cache: string,
  log: (line: string) => void,
): Promise<string> {
  const dir = join(cache, 'tinyllama-shaped-checkpoint');
  if (await exists(join(dir, 'done'))) return dir;
  await rm(dir, { recursive: true, force: true });
  const started = performance.now();
  log(`writing a random TinyLlama-shaped checkpoint (once; cached in ${cache}) ...`);
  await writeHuggingFaceCheckpoint(
    dir,
    TINYLLAMA_CONFIG,
    createRandomWeights(TINYLLAMA_CONFIG, 1),
    {
      dtype: 'BF16',
      shards: 3,
    },
  );
  await writeFile(join(dir, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
  await writeFile(join(dir, 'done'), '');
  log(`  ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return dir;
}
