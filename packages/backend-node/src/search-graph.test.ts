import type { ModelSession, SkipMask, StepResult } from '@litestage/core';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeBackend } from './node-backend.js';

const config = tinyDecoderConfig({ numKvHeads: 2 });
const weights = createRandomWeights(config, 3);
const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.dispose();
});

async function load(
  searchGraph: boolean,
  graph: 'fused' | 'standard' = searchGraph ? 'fused' : 'standard',
): Promise<ModelSession> {
  const bundle = await memoryBundle(config, weights, { searchGraph, graph });
  const session = await nodeBackend.load(bundle, { threads: 1 });
  sessions.push(session);
  return session;
}

const L = config.numLayers;
const masks: SkipMask[] = [
  { attn: Array(L).fill(false), ffn: Array(L).fill(false) },
  { attn: Array.from({ length: L }, (_, j) => j === 1), ffn: Array(L).fill(false) },
  { attn: Array(L).fill(false), ffn: Array.from({ length: L }, (_, j) => j % 2 === 0) },
];

/** A 4-token prefill and two decode steps, one mask each, on a fresh sequence. */
async function steps(session: ModelSession, withCosines: boolean): Promise<StepResult[]> {
  const sequence = session.createSequence();
  const inputs = [[1, 4, 9, 16], [25], [36]];
  const results: StepResult[] = [];
  for (const [i, tokens] of inputs.entries()) {
    results.push(await session.step(sequence, { tokens, skip: masks[i], withCosines }));
  }
  return results;
}

describe('run graph and search graph', () => {
  it('puts the cosine outputs in the search graph only', async () => {
    const bundle = await memoryBundle(config, weights);
    const outputs = async (file: string) => {
      const session = await ort.InferenceSession.create(await bundle.readFile(file));
      const names = session.outputNames;
      await session.release();
      return names.filter((name) => name.startsWith('cos_'));
    };
    expect(bundle.manifest.graphs.search?.file).toBe('model.search.onnx');
    expect(await outputs(bundle.manifest.graphs.gated.file)).toEqual([]);
    expect(await outputs('model.search.onnx')).toEqual(['cos_attn', 'cos_ffn']);
  });

  it('a run step returns no cosines; a withCosines step the same logits with cosines', async () => {
    const session = await load(true);
    const run = await steps(session, false);
    const search = await steps(session, true);
    for (const [i, result] of run.entries()) {
      expect(result.cosAttn).toBeUndefined();
      expect(result.cosFfn).toBeUndefined();
      expect(Array.from(result.logits)).toEqual(Array.from(search[i]?.logits ?? []));
      expect(search[i]?.cosAttn).toHaveLength(L);
      expect(search[i]?.cosFfn).toHaveLength(L);
    }
    // A skipped sub-layer reports cosine 1 for each of the step's tokens.
    expect(Array.from(search[1]?.cosAttn?.[1] ?? [])).toEqual([1]);
  });

  it('gives the cosines a version-1 bundle gives from its one graph (same standard ops)', async () => {
    const current = await steps(await load(true, 'standard'), true);
    const oldSession = await load(false);
    const old = await steps(oldSession, true);
    for (const [i, result] of current.entries()) {
      for (let j = 0; j < L; j++) {
        expect(Array.from(result.cosAttn?.[j] ?? [])).toEqual(
          Array.from(old[i]?.cosAttn?.[j] ?? []),
        );
        expect(Array.from(result.cosFfn?.[j] ?? [])).toEqual(Array.from(old[i]?.cosFfn?.[j] ?? []));
      }
      expect(Array.from(result.logits)).toEqual(Array.from(old[i]?.logits ?? []));
    }
    // The version-1 bundle's run steps leave its cosines unfetched.
    const oldRun = await steps(oldSession, false);
    expect(oldRun[0]?.cosAttn).toBeUndefined();
    expect(Array.from(oldRun[2]?.logits ?? [])).toEqual(Array.from(old[2]?.logits ?? []));
  });
});
