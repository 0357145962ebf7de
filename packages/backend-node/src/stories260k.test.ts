import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TextStreamer } from '@litestage/core';
import { fixturePath } from '@litestage/fixtures';
import { loadBundleTokenizer } from '@litestage/model';
import { convertCheckpoint, openLlama2cCheckpoint } from '@litestage/model/convert';
import { openBundle } from '@litestage/model/node';
import { ReferenceModel } from '@litestage/model/testing';
import { afterAll, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';

const data = fixturePath('stories260k');
const dir = await mkdtemp(join(tmpdir(), 'litestage-stories-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] as number) > (values[best] as number)) best = i;
  return best;
}

it("reproduces llama2.c's greedy output for stories260K byte for byte", async () => {
  const out = join(dir, 'bundle');
  await convertCheckpoint({
    input: join(data, 'stories260K.bin'),
    tokenizer: join(data, 'tok512.bin'),
    out,
  });
  const bundle = await openBundle(out);
  expect(bundle.manifest).toMatchObject({
    numLayers: 5,
    numKvHeads: 4,
    vocabSize: 512,
    architecture: 'llama',
  });
  const tokenizer = await loadBundleTokenizer(bundle);
  const session = await nodeBackend.load(bundle, { threads: 1 });
  try {
    const sequence = session.createSequence();
    let streamed = '';
    const streamer = new TextStreamer(tokenizer, {
      callbackFunction: (piece) => {
        streamed += piece;
      },
    });
    let token = 1;
    // run.c: 200 steps from BOS, greedy, stopping if BOS comes back.
    for (let step = 0; step < 200; step++) {
      const { logits } = await session.step(sequence, { tokens: [token] });
      token = argmax(logits);
      if (token === 1) break;
      streamer.put([token]);
    }
    const text = streamer.end();
    expect(streamed).toBe(text);
    const expected = await readFile(join(data, 'expected_greedy_200.txt'), 'utf8');
    expect(text).toBe(expected);
  } finally {
    await session.dispose();
  }
});

it('matches the TypeScript reference on the real weights under skip masks (external data, interleaved rotary)', async () => {
  const out = join(dir, 'bundle-for-reference');
  await convertCheckpoint({
    input: join(data, 'stories260K.bin'),
    tokenizer: join(data, 'tok512.bin'),
    out,
    plainGraph: false,
  });
  const checkpoint = await openLlama2cCheckpoint(join(data, 'stories260K.bin'));
  const reference = await ReferenceModel.load(checkpoint.config, checkpoint.weights, 64);
  await checkpoint.weights.close();
  const session = await nodeBackend.load(await openBundle(out), { threads: 1 });
  try {
    const sequence = session.createSequence();
    const cache = reference.createCache();
    const masks = [
      { attn: [false, false, false, false, false], ffn: [false, false, false, false, false] },
      { attn: [false, true, false, false, true], ffn: [false, false, true, false, false] },
      { attn: [true, false, false, false, false], ffn: [false, false, false, false, true] },
    ];
    let tokens = [1, 403, 407, 261, 378];
    let worst = 0;
    for (let step = 0; step < 9; step++) {
      const skip = masks[step % masks.length] as (typeof masks)[number];
      const got = await session.step(sequence, { tokens, skip, allLogits: true });
      const want = reference.forward(cache, tokens, skip);
      want.logits.forEach((row, t) => {
        for (let i = 0; i < row.length; i++)
          worst = Math.max(
            worst,
            Math.abs((row[i] as number) - (got.logits[t * 512 + i] as number)),
          );
      });
      tokens = [argmax(got.logits.subarray(got.logits.length - 512))];
    }
    expect(worst).toBeLessThanOrEqual(1e-4);
    expect(sequence.layerLengths()).toEqual(cache.keys.map((k) => k.length));
  } finally {
    await session.dispose();
  }
});
