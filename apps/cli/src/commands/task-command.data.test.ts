import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataPath } from '@litestage/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { captureIo } from '../test-utils/capture-io.js';

// OBQA (license unknown) is read from the data folder (`pnpm test:data`), never committed.
const dir = await mkdtemp(join(tmpdir(), 'litestage-task-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('litestage task export', () => {
  it('writes a real dataset subset to a file', async () => {
    const out = join(dir, 'obqa.jsonl');
    const file = dataPath('tinythinker/obqa/original/test.jsonl');
    const result = await run(
      'task',
      'export',
      '--task',
      'obqa',
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
    expect(records.every((r) => r.options.length === 4 && r.gold === undefined)).toBe(true);
  });
});
