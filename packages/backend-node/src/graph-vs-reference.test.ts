import type { ModelSession, SkipMask } from '@litestage/core';
import type { DecoderConfig } from '@litestage/model';
import { GRAPH_FLAVOURS, type WeightSource } from '@litestage/model/convert';
import {
  createRandomWeights,
  effectiveWeights,
  memoryBundle,
  ReferenceModel,
  tinyDecoderConfig,
} from '@litestage/model/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';
import { maxDifference } from './test-utils/max-difference.js';

const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.dispose();
});

type BundleOptions = NonNullable<Parameters<typeof memoryBundle>[2]> & {
  kvCache?: 'in-place' | 'copy';
};

async function load(config: DecoderConfig, weights: WeightSource, options: BundleOptions) {
  const session = await nodeBackend.load(await memoryBundle(config, weights, options), {
    threads: 1,
    kvCache: options.kvCache ?? 'copy',
  });
  sessions.push(session);
  return session;
}

/** A deterministic stream of skip masks. */
function maskStream(layers: number, seed: number): () => SkipMask {
  let state = seed;
  const bit = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % 3 === 0;
  };
  return () => ({
    attn: Array.from({ length: layers }, bit),
    ffn: Array.from({ length: layers }, bit),
  });
}

/**
 * Prefill 5 tokens, then 8 steps (decode steps and, at step 4, a 3-token prompt appended to
 * the caches, as a stage prefix is under the `reuse` policy), each under its own random
 * mask; compares everything.
 */
async function compareWithReference(
  config: DecoderConfig,
  graphWeights: WeightSource,
  referenceWeights: WeightSource,
  options: BundleOptions & { seed?: number; tolerance?: number },
) {
  const session = await load(config, graphWeights, options);
  const reference = await ReferenceModel.load(config, referenceWeights);
  const sequence = session.createSequence();
  const cache = reference.createCache();
  const nextMask = maskStream(config.numLayers, options.seed ?? 7);
  const tolerance = options.tolerance ?? 1e-4;
  let tokens = [1, 5, 9, 17, 33];
  let worst = 0;
  for (let step = 0; step < 9; step++) {
    const skip = nextMask();
    const got = await session.step(sequence, { tokens, skip, withCosines: true, allLogits: true });
    const want = reference.forward(cache, tokens, skip, {
      propagateKv: Boolean(options.propagateKv),
    });
    const flat = new Float32Array(want.logits.length * config.vocabSize);
    for (const [i, row] of want.logits.entries()) flat.set(row, i * config.vocabSize);
    worst = Math.max(worst, maxDifference(got.logits, flat));
    for (let j = 0; j < config.numLayers; j++) {
      expect(maxDifference(got.cosAttn?.[j] ?? [], want.cosAttn[j] ?? [])).toBeLessThanOrEqual(
        tolerance,
      );
      expect(maxDifference(got.cosFfn?.[j] ?? [], want.cosFfn[j] ?? [])).toBeLessThanOrEqual(
        tolerance,
      );
    }
    expect(sequence.layerLengths()).toEqual(cache.keys.map((k) => k.length));
    tokens =
      step === 3
        ? [(step * 13 + 7) % config.vocabSize, 4, 8]
        : [(step * 13 + 7) % config.vocabSize];
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
  return { session, sequence };
}

describe.each(GRAPH_FLAVOURS)('the %s graph', (graph) => {
  describe('the gated graph against the TypeScript reference', () => {
    it.each([
      ['MHA (GQA ratio 1), untied', tinyDecoderConfig({ numKvHeads: 4 })],
      [
        'GQA ratio 2, tied embeddings',
        tinyDecoderConfig({ numKvHeads: 2, tieWordEmbeddings: true }),
      ],
      [
        'GQA ratio 4, interleaved rotary (llama2.c)',
        tinyDecoderConfig({ numKvHeads: 1, ropeStyle: 'interleaved' }),
      ],
      [
        'Qwen2 biases, tied',
        tinyDecoderConfig({
          architecture: 'qwen2',
          attentionBias: true,
          tieWordEmbeddings: true,
          ropeTheta: 1e6,
        }),
      ],
      [
        'interleaved rotary with biases',
        tinyDecoderConfig({ attentionBias: true, ropeStyle: 'interleaved' }),
      ],
      [
        'Llama-3 rope scaling',
        tinyDecoderConfig({
          ropeTheta: 500000,
          ropeScaling: {
            type: 'llama3',
            factor: 8,
            lowFreqFactor: 1,
            highFreqFactor: 4,
            originalMaxPositionEmbeddings: 16,
          },
        }),
      ],
      ['linear rope scaling', tinyDecoderConfig({ ropeScaling: { type: 'linear', factor: 2 } })],
      [
        'head dim other than hidden/heads',
        tinyDecoderConfig({ headDim: 16, numHeads: 2, numKvHeads: 1 }),
      ],
    ])('%s: logits and cosines within 1e-4 under random skip masks', async (_, config) => {
      const weights = createRandomWeights(config, 11);
      await compareWithReference(config, weights, weights, { graph });
    });

    // Only the fused graph's GroupQueryAttention writes into a shared past/present buffer.
    if (graph === 'fused') {
      it('K/V kept in place: logits and cosines within 1e-4 under random skip masks', async () => {
        const config = tinyDecoderConfig({ numKvHeads: 2 });
        const weights = createRandomWeights(config, 13);
        await compareWithReference(config, weights, weights, { graph, kvCache: 'in-place' });
      });
    }

    it('propagate build: a skipped attention sub-layer still writes its K/V', async () => {
      const config = tinyDecoderConfig();
      const weights = createRandomWeights(config, 5);
      const { sequence } = await compareWithReference(config, weights, weights, {
        graph,
        propagateKv: true,
        seed: 3,
      });
      const lengths = sequence.layerLengths();
      expect(new Set(lengths)).toEqual(new Set([sequence.length]));
    });

    it('without propagate, layers whose attention was skipped have shorter caches', async () => {
      const config = tinyDecoderConfig();
      const session = await load(config, createRandomWeights(config, 2), { graph });
      const sequence = session.createSequence();
      await session.step(sequence, { tokens: [1, 2, 3] });
      await session.step(sequence, {
        tokens: [4],
        skip: { attn: [false, true, false], ffn: [false, false, false] },
      });
      expect(sequence.layerLengths()).toEqual([4, 3, 4]);
      expect(sequence.length).toBe(4);
      sequence.reset();
      expect(sequence.layerLengths()).toEqual([0, 0, 0]);
      expect(sequence.length).toBe(0);
    });

    it('skipping every sub-layer is embedding -> final norm -> head', async () => {
      const config = tinyDecoderConfig();
      const weights = createRandomWeights(config, 4);
      const session = await load(config, weights, { graph });
      const all = Array(config.numLayers).fill(true);
      const result = await session.step(session.createSequence(), {
        tokens: [7],
        skip: { attn: all, ffn: all },
      });
      const embed = await weights.read('model.embed_tokens.weight');
      const norm = await weights.read('model.norm.weight');
      const head = await weights.read('lm_head.weight');
      const d = config.hiddenSize;
      const x = embed.slice(7 * d, 8 * d);
      const rms = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / d + config.rmsNormEps);
      const expected = Array.from({ length: config.vocabSize }, (_, v) => {
        let sum = 0;
        for (let i = 0; i < d; i++)
          sum += (head[v * d + i] as number) * (x[i] as number) * rms * (norm[i] as number);
        return sum;
      });
      expect(maxDifference(result.logits, expected)).toBeLessThanOrEqual(1e-5);
    });

    it('a skip set really changes the computation', async () => {
      const config = tinyDecoderConfig();
      const session = await load(config, createRandomWeights(config, 9), { graph });
      const full = await session.step(session.createSequence(), { tokens: [3, 4, 5] });
      const skipped = await session.step(session.createSequence(), {
        tokens: [3, 4, 5],
        skip: { attn: [false, false, false], ffn: [false, true, false] },
      });
      expect(maxDifference(full.logits, skipped.logits)).toBeGreaterThan(1e-3);
    });

    it('the plain graph equals the gated graph at full depth', async () => {
      const config = tinyDecoderConfig();
      const session = await load(config, createRandomWeights(config, 6), { graph });
      const gated = await session.step(session.createSequence(), {
        tokens: [3, 4, 5, 6],
        allLogits: true,
      });
      const plain = await session.step(session.createSequence(), {
        tokens: [3, 4, 5, 6],
        allLogits: true,
        plain: true,
      });
      expect(maxDifference(gated.logits, plain.logits)).toBeLessThanOrEqual(1e-5);
      await expect(
        session.step(session.createSequence(), {
          tokens: [3],
          plain: true,
          skip: { attn: [true, false, false], ffn: [false, false, false] },
        }),
      ).rejects.toThrow(/plain graph cannot skip/);
    });
  });

  describe('quantized and fp16 weights', () => {
    const config = tinyDecoderConfig({ hiddenSize: 64, intermediateSize: 96, headDim: 16 });

    it.each(['int8', 'int4'] as const)(
      '%s graph equals the reference on dequantized weights',
      async (kind) => {
        const weights = createRandomWeights(config, 12);
        const view = await effectiveWeights(weights, { dtype: 'fp32', quantization: kind });
        await compareWithReference(config, weights, view, {
          graph,
          quantization: kind,
          accuracyLevel: kind === 'int4' ? 0 : undefined,
        });
      },
    );

    it.each([16, 64, 128] as const)(
      'int4 graph with blocks of %i equals the reference on dequantized weights',
      async (blockSize) => {
        const weights = createRandomWeights(config, 15);
        const view = await effectiveWeights(weights, {
          dtype: 'fp32',
          quantization: 'int4',
          int4BlockSize: blockSize,
        });
        await compareWithReference(config, weights, view, {
          graph,
          quantization: 'int4',
          accuracyLevel: 0,
          int4BlockSize: blockSize,
        });
      },
    );

    it.each([
      ['int8', 'int8'],
      ['int4', 'int8'],
      ['int4', 'int4'],
      ['none', 'int8'],
    ] as const)(
      '%s graph with an %s LM head stays near the reference on dequantized weights',
      async (quantization, lmHead) => {
        const weights = createRandomWeights(config, 14);
        const view = await effectiveWeights(weights, { dtype: 'fp32', quantization, lmHead });
        // An 8-bit head always runs with int8 activations (accuracy level 4), as int4 here.
        await compareWithReference(config, weights, view, {
          graph,
          quantization,
          lmHead,
          accuracyLevel: quantization === 'int4' ? 4 : undefined,
          tolerance: 1e-1,
        });
      },
    );

    it('a quantized head of tied embeddings is a copy: the lookup stays float', async () => {
      const tiedConfig = { ...config, tieWordEmbeddings: true };
      const weights = createRandomWeights(tiedConfig, 16);
      const view = await effectiveWeights(weights, {
        dtype: 'fp32',
        quantization: 'none',
        lmHead: 'int8',
        tied: true,
      });
      await compareWithReference(tiedConfig, weights, view, {
        graph,
        lmHead: 'int8',
        tolerance: 1e-1,
      });
    });

    it('int4 with accuracy level 4 (int8 activations) stays near the reference', async () => {
      const weights = createRandomWeights(config, 12);
      const view = await effectiveWeights(weights, { dtype: 'fp32', quantization: 'int4' });
      await compareWithReference(config, weights, view, {
        graph,
        quantization: 'int4',
        accuracyLevel: 4,
        tolerance: 1e-1,
      });
    });

    it('fp16 weights equal the reference on fp16-rounded weights', async () => {
      const fp16Config = tinyDecoderConfig();
      const weights = createRandomWeights(fp16Config, 13);
      const view = await effectiveWeights(weights, { dtype: 'fp16', quantization: 'none' });
      await compareWithReference(fp16Config, weights, view, { graph, dtype: 'fp16' });
    });
  });

  describe('bad requests', () => {
    it('refuses tokens outside the vocabulary, wrong masks and overlong sequences', async () => {
      const config = tinyDecoderConfig({ maxPositionEmbeddings: 8 });
      const session = await load(config, createRandomWeights(config, 1), { graph });
      const sequence = session.createSequence();
      await expect(session.step(sequence, { tokens: [61] })).rejects.toThrow(
        /outside the vocabulary \(0\.\.60\)/,
      );
      await expect(
        session.step(sequence, { tokens: [1], skip: { attn: [true], ffn: [false] } }),
      ).rejects.toThrow(/needs 3 attention and 3 feed-forward flags/);
      await expect(session.step(sequence, { tokens: Array(9).fill(1) })).rejects.toThrow(
        /supports 8/,
      );
      await expect(session.step(sequence, { tokens: [] })).rejects.toThrow(/at least one token/);
      expect(sequence.length).toBe(0);
    });
  });

  describe('truncating a sequence', () => {
    it('continues exactly as if the dropped tokens had never been fed, skipped layers included', async () => {
      const config = tinyDecoderConfig();
      const session = await load(config, createRandomWeights(config, 21), { graph });
      const skip = { attn: [false, true, false], ffn: [false, false, false] };
      const a = session.createSequence();
      await session.step(a, { tokens: [1, 2, 3] });
      await session.step(a, { tokens: [4, 5], skip });
      await session.step(a, { tokens: [6] });
      a.truncate(4);
      expect(a.length).toBe(4);
      expect(a.layerLengths()).toEqual([4, 3, 4]);
      const afterTruncate = await session.step(a, { tokens: [9, 10] });

      const b = session.createSequence();
      await session.step(b, { tokens: [1, 2, 3] });
      await session.step(b, { tokens: [4], skip });
      const fresh = await session.step(b, { tokens: [9, 10] });
      expect(maxDifference(afterTruncate.logits, fresh.logits)).toBeLessThanOrEqual(1e-6);
      expect(() => a.truncate(7)).toThrow(RangeError);
    });
  });
});
