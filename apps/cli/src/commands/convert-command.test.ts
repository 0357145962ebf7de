import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  buildLlama2cTokenizerBin,
  createRandomWeights,
  tinyDecoderConfig,
  tinyLlama2cFile,
  tinySentencePieceBpe,
  writeHuggingFaceCheckpoint,
} from '@litestage/model/testing';
import { describe, expect, it } from 'vitest';
import { EXIT_INTERRUPTED } from '../cli-error.js';
import { run, runWith, testFolder } from '../test-utils/run-cli-captured.js';

const dir = await testFolder('convert-command');

// The tiny SentencePiece tokenizer's vocabulary fits in 320 ids.
const config = tinyDecoderConfig({ vocabSize: 320 });

/** A Hugging Face checkpoint in a folder named like so many: "checkpoint". */
async function hfCheckpoint(parent: string, extraConfig: Record<string, unknown> = {}) {
  const input = join(parent, 'checkpoint');
  await writeHuggingFaceCheckpoint(input, config, createRandomWeights(config, 2));
  const json = JSON.parse(await readFile(join(input, 'config.json'), 'utf8'));
  await writeFile(join(input, 'config.json'), JSON.stringify({ ...json, ...extraConfig }));
  await writeFile(join(input, 'tokenizer.json'), tinySentencePieceBpe().tokenizerJson);
  return input;
}

function caseDir(name: string) {
  return mkdtemp(join(dir, `${name}-`));
}

/** Neither the bundle nor a hidden partial folder beside it. */
async function expectNothingLeft(parent: string) {
  expect((await readdir(parent)).filter((name) => name.includes('bundle'))).toEqual([]);
}

/** Converts `input` with a tokenizer of the other kind: one line naming the right one, no bundle. */
async function expectTokenizerRefused(
  parent: string,
  input: string,
  tokenizer: string,
  message: string,
) {
  const result = await run(
    'convert',
    input,
    '--tokenizer',
    tokenizer,
    '--out',
    join(parent, 'bundle'),
  );
  expect(result).toEqual({ code: 1, out: '', err: `litestage: ${message}\n` });
  await expectNothingLeft(parent);
}

describe('litestage convert', () => {
  it('names the bundle after the model, not the checkpoint folder', async () => {
    const parent = await caseDir('name');
    const input = await hfCheckpoint(parent, {
      _name_or_path: 'HuggingFaceTB/SmolLM2-135M',
    });
    const out = join(parent, 'bundle');
    const result = await run('convert', input, '--out', out, '--no-plain');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      new RegExp(
        `^${out}: SmolLM2-135M, 3 layers, fp32, quantization none, fused graph, sha256:[0-9a-f]{64}\\n$`,
      ),
    );
  });

  it('builds the standard graph with --graph standard, and int4 graphs with an accuracy level', async () => {
    const parent = await caseDir('flavour');
    const input = await hfCheckpoint(parent);
    const standard = await run(
      'convert',
      input,
      '--out',
      join(parent, 'standard'),
      '--no-plain',
      '--graph',
      'standard',
    );
    expect(standard.code).toBe(0);
    expect(standard.out).toMatch(/quantization none, standard graph, sha256:/);
    const int4 = await run(
      'convert',
      input,
      '--out',
      join(parent, 'int4'),
      '--no-plain',
      '--quant',
      'int4',
      '--accuracy-level',
      '0',
      '--block-size',
      '64',
      '--lm-head',
      'int4',
    );
    expect(int4.code).toBe(0);
    expect(int4.out).toMatch(/quantization int4, fused graph, sha256:/);
    const manifest = JSON.parse(await readFile(join(parent, 'int4', 'litestage.json'), 'utf8'));
    expect(manifest).toMatchObject({
      accuracyLevel: 0,
      int4BlockSize: 64,
      lmHead: 'int4',
      graphFlavour: 'fused',
    });
    const refused = await run('convert', input, '--out', join(parent, 'x'), '--graph', 'onnx');
    expect(refused.code).not.toBe(0);
    expect(refused.err).toMatch(/--graph/);
  });

  it('refuses an output under a missing folder at once, with a hint', async () => {
    const parent = await caseDir('missing');
    const input = await hfCheckpoint(parent);
    const result = await run('convert', input, '--out', join(parent, 'no', 'such', 'bundle'));
    expect(result).toEqual({
      code: 1,
      out: '',
      err:
        `litestage: ${join(parent, 'no', 'such')}: no such folder to create the bundle in\n` +
        'litestage: hint: create the folder first, or choose an output folder whose parent exists\n',
    });
  });

  it('on Ctrl-C removes the unfinished bundle, says so and exits 130', async () => {
    const parent = await caseDir('interrupt');
    const input = await hfCheckpoint(parent);
    const out = join(parent, 'bundle');
    const controller = new AbortController();
    const interruptMidConversion = {
      interrupt: controller.signal,
      // The checkpoint line comes before the first tensor: Ctrl-C lands mid-conversion.
      onStderr: (text: string) => {
        if (text.startsWith('huggingface checkpoint')) controller.abort();
      },
    };
    const result = await runWith(interruptMidConversion, 'convert', input, '--out', out);
    expect(result.code).toBe(EXIT_INTERRUPTED);
    expect(result.err.split('\n').at(-2)).toBe(
      `litestage: interrupted; the unfinished bundle was removed and nothing was written to ${out}`,
    );
    await expect(stat(out)).rejects.toThrow();
    await expectNothingLeft(parent);
  });

  it('says which tokenizer a llama2.c checkpoint needs when given a tokenizer.json', async () => {
    const parent = await caseDir('llama2c-tokenizer');
    const input = join(parent, 'tiny.bin');
    const { bytes } = tinyLlama2cFile();
    await writeFile(input, bytes);
    const tokenizer = join(parent, 'tokenizer.json');
    await writeFile(tokenizer, tinySentencePieceBpe().tokenizerJson);
    await expectTokenizerRefused(
      parent,
      input,
      tokenizer,
      `${tokenizer}: a Hugging Face tokenizer.json, but the llama2.c checkpoint ${input} needs a llama2.c tokenizer.bin`,
    );
  });

  it('says which tokenizer a Hugging Face checkpoint needs when given a tokenizer.bin', async () => {
    const parent = await caseDir('hf-tokenizer');
    const input = await hfCheckpoint(parent);
    const tokenizer = join(parent, 'tok512.bin');
    await writeFile(tokenizer, buildLlama2cTokenizerBin([]).bytes);
    await expectTokenizerRefused(
      parent,
      input,
      tokenizer,
      `${tokenizer}: not a Hugging Face tokenizer.json (a llama2.c tokenizer.bin?), but the Hugging Face checkpoint ${input} needs its tokenizer.json`,
    );
  });
});
