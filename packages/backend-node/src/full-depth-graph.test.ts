import type { ModelSession } from '@litestage/core';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import { PLAIN_AT_FULL_DEPTH_BELOW, plainAtFullDepth } from '@litestage/ort-session';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';
import { maxDifference } from './test-utils/max-difference.js';

const config = tinyDecoderConfig();
const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.dispose();
});

/**
 * A bundle whose plain graph comes from other weights than its gated graph, so a step's
 * logits tell which of the two ran it.
 */
async function telltaleBundle() {
  const gated = await memoryBundle(config, createRandomWeights(config, 31));
  const other = await memoryBundle(config, createRandomWeights(config, 32));
  return {
    ...gated,
    readFile: (name: string) =>
      name === gated.manifest.graphs.plain?.file ? other.readFile(name) : gated.readFile(name),
  };
}

async function logitsOf(
  session: ModelSession,
  request: Omit<Parameters<ModelSession['step']>[1], 'tokens'>,
): Promise<Float32Array> {
  const sequence = session.createSequence();
  const { logits } = await session.step(sequence, { tokens: [1, 5, 9], ...request });
  const next = await session.step(sequence, { tokens: [4], ...request });
  return Float32Array.from([...logits, ...next.logits]);
}

describe('the graph a step that skips nothing runs', () => {
  it('is the plain one with fullDepthGraph plain, the gated one when anything is skipped', async () => {
    const bundle = await telltaleBundle();
    const session = await nodeBackend.load(bundle, { threads: 1, fullDepthGraph: 'plain' });
    sessions.push(session);
    const plain = await logitsOf(session, { plain: true });
    const gated = await logitsOf(session, { plain: false });
    expect(maxDifference(plain, gated)).toBeGreaterThan(1e-2);
    const none = { attn: [false, false, false], ffn: [false, false, false] };
    expect(maxDifference(await logitsOf(session, {}), plain)).toBe(0);
    expect(maxDifference(await logitsOf(session, { skip: none }), plain)).toBe(0);
    // Cosines come from the search graph, which is gated.
    expect(maxDifference(await logitsOf(session, { withCosines: true }), gated)).toBeLessThan(1e-5);
    const some = { attn: [false, true, false], ffn: [false, false, false] };
    const skipped = await logitsOf(session, { skip: some });
    expect(maxDifference(skipped, plain)).toBeGreaterThan(1e-2);
  });

  it('is the gated one with fullDepthGraph gated', async () => {
    const bundle = await telltaleBundle();
    const session = await nodeBackend.load(bundle, { threads: 1, fullDepthGraph: 'gated' });
    sessions.push(session);
    expect(
      maxDifference(await logitsOf(session, {}), await logitsOf(session, { plain: false })),
    ).toBe(0);
  });

  it('is the plain one by default for a small model, whose gates cost most', async () => {
    const bundle = await telltaleBundle();
    const session = await nodeBackend.load(bundle, { threads: 1 });
    sessions.push(session);
    expect(
      maxDifference(await logitsOf(session, {}), await logitsOf(session, { plain: true })),
    ).toBe(0);
  });
});

describe('plainAtFullDepth', () => {
  it('follows an explicit choice, else runs plain up to the threshold of weight bytes per token', () => {
    expect(plainAtFullDepth('gated', 1)).toBe(false);
    expect(plainAtFullDepth('plain', 2 ** 40)).toBe(true);
    expect(plainAtFullDepth(undefined, PLAIN_AT_FULL_DEPTH_BELOW)).toBe(true);
    expect(plainAtFullDepth(undefined, PLAIN_AT_FULL_DEPTH_BELOW + 1)).toBe(false);
    expect(plainAtFullDepth(undefined, null)).toBe(false);
  });
});
