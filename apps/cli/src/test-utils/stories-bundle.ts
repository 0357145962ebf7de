import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { beforeAll, expect } from 'vitest';
import { type CliResult, run, testFolder } from './run-cli-captured.js';

/** The committed llama2.c stories260K checkpoint, its tokenizer and its greedy output. */
export const stories = fixturePath('stories260k');

/** Converts stories260K into a bundle at `out`; `extraArgs` go after the required ones. */
export function convertStories(out: string, ...extraArgs: string[]): Promise<CliResult> {
  return run(
    'convert',
    join(stories, 'stories260K.bin'),
    '--tokenizer',
    join(stories, 'tok512.bin'),
    '--out',
    out,
    ...extraArgs,
  );
}

/** Writes `limit` synthetic questions of `split` as JSONL to `out`. */
function exportSynthetic(split: string, limit: number, out: string): Promise<CliResult> {
  return run(
    'task',
    'export',
    '--task',
    'synthetic',
    '--split',
    split,
    '--limit',
    String(limit),
    '--out',
    out,
  );
}

export interface StoriesSetup {
  /** The test file's temporary folder. */
  readonly dir: string;
  /** The stories260K bundle (without the plain graph). */
  readonly bundle: string;
  /** Three synthetic questions of the split, as JSONL. */
  readonly questions: string;
}

/**
 * A temporary folder for one test file with a stories260K bundle and three synthetic questions
 * of `split` in it, both made before the file's tests.
 */
export async function storiesWithQuestions(name: string, split: string): Promise<StoriesSetup> {
  const dir = await testFolder(name);
  const setup = { dir, bundle: join(dir, 'stories'), questions: join(dir, `${split}.jsonl`) };
  beforeAll(async () => {
    expect((await convertStories(setup.bundle, '--no-plain')).code).toBe(0);
    expect((await exportSynthetic(split, 3, setup.questions)).code).toBe(0);
  });
  return setup;
}
