import type { ModelSession, SkipMask } from '@litestage/core';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import { IN_PLACE_FROM } from '@litestage/ort-session';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';
import { maxDifference } from './test-utils/max-difference.js';

// K/V kept in place (GroupQueryAttention's shared past/present buffer) against today's
// copying caches on the same bundle: the same logits and cache lengths at every step, through
// skipped attention (layers of different lengths), truncations and buffer growth.

const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.dispose();
});

const config = tinyDecoderConfig();
const weights = createRandomWeights(config, 21);
const bundle = await memoryBundle(config, weights);

async function load(kvCache: 'in-place' | 'copy' | undefined, from = bundle) {
  const session = await nodeBackend.load(from, { threads: 1, ...(kvCache ? { kvCache } : {}) });
  sessions.push(session);
  return session;
}

/** A deterministic stream of skip masks, about a third of the sub-layers skipped. */
function maskStream(seed: number): () => SkipMask {
  let state = seed;
  const bit = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state >>> 16) % 3 === 0;
  };
  return () => ({
    attn: Array.from({ length: config.numLayers }, bit),
    ffn: Array.from({ length: config.numLayers }, bit),
  });
}

type Action = { tokens: number[] } | { truncate: number };

/**
 * Prefill, decode, a stage prefix appended, a truncation into the middle (as `reuse` drops
 * an unfinished stage), a reset to 0 and a prefill again (as `reprefill` does), and enough
 * decode steps to grow the in-place buffers past their first size.
 */
function script(): Action[] {
  const decode = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => ({ tokens: [(from + i * 7) % config.vocabSize] }));
  return [
    { tokens: [1, 5, 9, 17, 33] },
    ...decode(6, 3),
    { tokens: [40, 41, 42] },
    ...decode(3, 11),
    { truncate: 9 },
    ...decode(4, 20),
    { truncate: 0 },
    { tokens: [1, 6, 10, 18, 34, 50, 51] },
    ...decode(30, 5),
  ];
}

describe('K/V in place', () => {
  it('gives the logits and per-layer cache lengths of the copying caches at every step', async () => {
    const inPlace = await load('in-place');
    const copying = await load('copy');
    const a = inPlace.createSequence();
    const b = copying.createSequence();
    const nextMask = maskStream(5);
    let lengthsDiffered = false;
    let steps = 0;
    for (const action of script()) {
      if ('truncate' in action) {
        a.truncate(action.truncate);
        b.truncate(action.truncate);
      } else {
        const skip = nextMask();
        const got = await inPlace.step(a, { tokens: action.tokens, skip, allLogits: true });
        const want = await copying.step(b, { tokens: action.tokens, skip, allLogits: true });
        expect(maxDifference(got.logits, want.logits)).toBeLessThanOrEqual(1e-6);
        steps++;
      }
      expect(a.length).toBe(b.length);
      expect(a.layerLengths()).toEqual(b.layerLengths());
      const lengths = a.layerLengths();
      if (new Set(lengths).size > 1) lengthsDiffered = true;
    }
    expect(steps).toBeGreaterThan(40);
    // The masks did make layers of different lengths, so per-layer lengths were exercised.
    expect(lengthsDiffered).toBe(true);
    // Longer than the first buffers (16 positions): growth kept what the caches held.
    expect(a.length).toBeGreaterThan(32);
  });

  it('by default copies short caches and keeps them in place from IN_PLACE_FROM positions, with the same logits', async () => {
    const long = tinyDecoderConfig({ maxPositionEmbeddings: IN_PLACE_FROM + 64 });
    const longBundle = await memoryBundle(long, createRandomWeights(long, 8));
    const byDefault = await load(undefined, longBundle);
    const copying = await load('copy', longBundle);
    const a = byDefault.createSequence();
    const b = copying.createSequence();
    const nextMask = maskStream(9);
    const step = async (tokens: number[]) => {
      const skip = nextMask();
      const got = await byDefault.step(a, { tokens, skip });
      const want = await copying.step(b, { tokens, skip });
      expect(maxDifference(got.logits, want.logits)).toBeLessThanOrEqual(1e-6);
      expect(a.layerLengths()).toEqual(b.layerLengths());
    };
    // Which way the default sequence holds its caches now (not part of the Sequence contract).
    const inPlace = () => (a as unknown as { inPlace: boolean }).inPlace;
    await step(Array.from({ length: IN_PLACE_FROM - 10 }, (_, i) => 1 + (i % 50)));
    expect(inPlace()).toBe(false);
    for (let i = 0; i < 30; i++) await step([(i * 7 + 3) % long.vocabSize]);
    expect(inPlace()).toBe(true);
    // Past the threshold now, in place; back below it by a truncation, still the same.
    a.truncate(IN_PLACE_FROM - 20);
    b.truncate(IN_PLACE_FROM - 20);
    for (let i = 0; i < 5; i++) await step([(i * 5 + 2) % long.vocabSize]);
    expect(Math.max(...b.layerLengths())).toBeLessThan(IN_PLACE_FROM);
  });

  it('a truncated layer attends only to what it kept: stale entries past its length are ignored', async () => {
    const inPlace = await load('in-place');
    const a = inPlace.createSequence();
    await inPlace.step(a, { tokens: [1, 2, 3, 4, 5, 6] });
    a.truncate(3);
    const after = await inPlace.step(a, { tokens: [9] });
    const fresh = inPlace.createSequence();
    await inPlace.step(fresh, { tokens: [1, 2, 3] });
    const want = await inPlace.step(fresh, { tokens: [9] });
    expect(maxDifference(after.logits, want.logits)).toBeLessThanOrEqual(1e-6);
    expect(a.layerLengths()).toEqual(Array(config.numLayers).fill(4));
  });

  it('an explicit in-place is refused where the graph cannot share its buffers', async () => {
    const propagate = await memoryBundle(config, weights, { propagateKv: true });
    await expect(nodeBackend.load(propagate, { threads: 1, kvCache: 'in-place' })).rejects.toThrow(
      /propagate KV policy/,
    );
    const standard = await memoryBundle(config, weights, { graph: 'standard' });
    await expect(nodeBackend.load(standard, { threads: 1, kvCache: 'in-place' })).rejects.toThrow(
      /standard-op graphs/,
    );
    // Without an explicit mode those bundles load and copy their caches.
    const session = await nodeBackend.load(propagate, { threads: 1 });
    sessions.push(session);
    const sequence = session.createSequence();
    await session.step(sequence, { tokens: [1, 2] });
    expect(sequence.layerLengths()).toEqual(Array(config.numLayers).fill(2));
  });
});
