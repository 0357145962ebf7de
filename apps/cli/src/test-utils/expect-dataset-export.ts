import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { run } from './run-cli-captured.js';

/**
 * Checks that `task export` writes a seeded 7-question subset of a real dataset file to a
 * JSONL file in `dir`, each question with `optionCount` options and no gold stage texts.
 */
export async function expectDatasetExport(
  dir: string,
  task: string,
  file: string,
  optionCount: number,
): Promise<void> {
  const out = join(dir, `${task}.jsonl`);
  const result = await run(
    'task',
    'export',
    '--task',
    task,
    '--file',
    file,
    '--limit',
    '7',
    '--seed',
    '2',
    '--out',
    out,
  );
  expect(result.code).toBe(0);
  expect(result.err).toBe(`wrote 7 questions to ${out}\n`);
  const records = (await readFile(out, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(records).toHaveLength(7);
  expect(records.every((r) => r.options.length === optionCount && r.gold === undefined)).toBe(true);
}
