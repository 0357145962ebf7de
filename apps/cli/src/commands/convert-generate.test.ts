import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, testFolder } from '../test-utils/run-cli-captured.js';
import { convertStories, stories } from '../test-utils/stories-bundle.js';

const dir = await testFolder('convert');

describe('litestage convert and generate', () => {
  const bundle = join(dir, 'stories');

  it("converts stories260K and reproduces llama2.c's greedy output from the command line", async () => {
    const converted = await convertStories(bundle);
    expect(converted.code).toBe(0);
    expect(converted.out).toMatch(
      /stories260K, 5 layers, fp32, quantization none, fused graph, sha256:[0-9a-f]{64}\n$/,
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
    const continueOnce = (...extraArgs: string[]) =>
      run(
        'generate',
        '--bundle',
        bundle,
        '--prompt',
        'Once upon a time',
        '--max-new-tokens',
        '30',
        ...extraArgs,
      );
    const full = await continueOnce();
    const skipped = await continueOnce('--skip', '0.attn,4.ffn');
    expect(full.code).toBe(0);
    expect(full.out.length).toBeGreaterThan(20);
    expect(skipped.code).toBe(0);
    expect(skipped.out).not.toBe(full.out);
  });

  it('samples reproducibly with a seed', async () => {
    const sample = (seed: string) =>
      run(
        'generate',
        '--bundle',
        bundle,
        '--temperature',
        '0.9',
        '--seed',
        seed,
        '--max-new-tokens',
        '25',
      );
    const a = await sample('4');
    const b = await sample('4');
    const c = await sample('5');
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
