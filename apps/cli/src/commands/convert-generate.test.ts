import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli.js';
import { captureIo } from '../test-utils/capture-io.js';

const stories = fixturePath('stories260k');
const dir = await mkdtemp(join(tmpdir(), 'litestage-convert-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

async function run(...argv: string[]) {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out(), err: io.err() };
}

describe('litestage convert and generate', () => {
  const bundle = join(dir, 'stories');

  it("converts stories260K and reproduces llama2.c's greedy output from the command line", async () => {
    const converted = await run(
      'convert',
      join(stories, 'stories260K.bin'),
      '--tokenizer',
      join(stories, 'tok512.bin'),
      '--out',
      bundle,
    );
    expect(converted.code).toBe(0);
    expect(converted.out).toMatch(
      /stories260K, 5 layers, fp32, quantization none, sha256:[0-9a-f]{64}\n$/,
    );
    const generated = await run(
      'generate',
      '--bundle',
      bundle,
      '--max-new-tokens',
      '200',
      '--threads',
      '1',
    );
    expect(generated).toEqual({
      code: 0,
      out: await readFile(join(stories, 'expected_greedy_200.txt'), 'utf8'),
      err: '',
    });
  });

  it('continues a prompt, and a skip set changes the text', async () => {
    const full = await run(
      'generate',
      '--bundle',
      bundle,
      '--prompt',
      'Once upon a time',
      '--max-new-tokens',
      '30',
    );
    const skipped = await run(
      'generate',
      '--bundle',
      bundle,
      '--prompt',
      'Once upon a time',
      '--max-new-tokens',
      '30',
      '--skip',
      '0.attn,4.ffn',
    );
    expect(full.code).toBe(0);
    expect(full.out.length).toBeGreaterThan(20);
    expect(skipped.code).toBe(0);
    expect(skipped.out).not.toBe(full.out);
  });

  it('samples reproducibly with a seed', async () => {
    const a = await run(
      'generate',
      '--bundle',
      bundle,
      '--temperature',
      '0.9',
      '--seed',
      '4',
      '--max-new-tokens',
      '25',
    );
    const b = await run(
      'generate',
      '--bundle',
      bundle,
      '--temperature',
      '0.9',
      '--seed',
      '4',
      '--max-new-tokens',
      '25',
    );
    const c = await run(
      'generate',
      '--bundle',
      bundle,
      '--temperature',
      '0.9',
      '--seed',
      '5',
      '--max-new-tokens',
      '25',
    );
    expect(a.out).toBe(b.out);
    expect(a.out).not.toBe(c.out);
  });

  it('reports bad skip ids and missing bundles on one line', async () => {
    expect(await run('generate', '--bundle', bundle, '--skip', '5.attn')).toEqual({
      code: 1,
      out: '',
      err: `litestage: --skip: sub-layer "5.attn" is beyond the model's 5 layers (0..4)\n`,
    });
    const missing = await run('generate', '--bundle', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(
      /^litestage: .*nope: not a LiteStage bundle \(no litestage\.json\); create one with `litestage convert`\n$/,
    );
  });

  it('refuses a corrupt checkpoint with one line, exit 1, and no output folder', async () => {
    const out = join(dir, 'broken');
    const result = await run(
      'convert',
      join(stories, 'tok512.bin'),
      '--tokenizer',
      join(stories, 'tok512.bin'),
      '--out',
      out,
    );
    expect(result.code).toBe(1);
    expect(result.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(result.err).toMatch(/^litestage: .*tok512\.bin/);
    await expect(stat(out)).rejects.toThrow();
    expect((await readdir(dir)).filter((n) => n.includes('broken'))).toEqual([]);
  });
});
