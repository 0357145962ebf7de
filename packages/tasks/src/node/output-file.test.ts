import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWritable, OutputFileError, writeFileAtomic } from './index.js';

const dir = await mkdtemp(join(tmpdir(), 'litestage-output-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('checkWritable', () => {
  it('accepts a new or existing file in an existing folder', async () => {
    await expect(checkWritable(join(dir, 'new.json'))).resolves.toBeUndefined();
    await writeFileAtomic(join(dir, 'old.json'), '{}');
    await expect(checkWritable(join(dir, 'old.json'))).resolves.toBeUndefined();
  });

  it('names the missing folder, with a hint', async () => {
    const file = join(dir, 'missing', 'out.json');
    const checking = checkWritable(file);
    await expect(checking).rejects.toBeInstanceOf(OutputFileError);
    await expect(checking).rejects.toThrow(
      `cannot write ${file}: the folder ${join(dir, 'missing')} does not exist`,
    );
    await checkWritable(file).catch((error: OutputFileError) =>
      expect(error.hint).toMatch(/create the folder/),
    );
  });

  it('refuses a folder as the output file', async () => {
    await mkdir(join(dir, 'sub'));
    await expect(checkWritable(join(dir, 'sub'))).rejects.toThrow(/it is a folder/);
  });
});

describe('writeFileAtomic', () => {
  it('writes the whole text and leaves no temporary file', async () => {
    const file = join(dir, 'atomic.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two');
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a missing folder by the path asked for, not the temporary file', async () => {
    const file = join(dir, 'nowhere', 'x.jsonl');
    const writing = writeFileAtomic(file, 'x');
    await expect(writing).rejects.toBeInstanceOf(OutputFileError);
    await expect(writing).rejects.toThrow(/does not exist/);
    await expect(writeFileAtomic(file, 'x')).rejects.not.toThrow(/\.tmp/);
  });
});
