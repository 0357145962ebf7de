import {
  generate,
  type ModelSession,
  type SkipMask,
  type StepResult,
  TextStreamer,
  type Tokenizer,
} from '@litestage/core';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import { MaxNewTokensCriteria, StoppingCriteriaList, TokenSampler } from '@litestage/sampler';
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

describe('decode cosines', () => {
  /** Ids as text: enough for a streamer that nothing reads. */
  const tokenizer: Tokenizer = {
    bosTokenId: 1,
    eosTokenIds: [],
    vocabSize: config.vocabSize,
    encode: () => [],
    decode: (ids) => ids.join(' '),
  };

  it('gives each fed decode token the cosines a prefill of the same tokens gives it', async () => {
    const session = await load(true);
    const prompt = [1, 4, 9, 16];
    const steps = generate(session, session.createSequence(), {
      inputIds: prompt,
      sampler: new TokenSampler(),
      stoppingCriteria: new StoppingCriteriaList([new MaxNewTokensCriteria(5)]),
      streamer: new TextStreamer(tokenizer),
      withCosines: true,
      withDecodeCosines: true,
    });
    let step = await steps.next();
    while (!step.done) step = await steps.next();
    const result = step.value;
    const decode = result.decodeCosines;
    // Five tokens generated, four of them fed back: four decode steps of one token each.
    expect(result.fedIds).toHaveLength(prompt.length + 4);
    expect(decode?.attn).toHaveLength(L);
    expect(decode?.ffn).toHaveLength(L);
    for (const layer of [...(decode?.attn ?? []), ...(decode?.ffn ?? [])])
      expect(layer).toHaveLength(4);

    // Causal attention: one prefill of everything fed gives the same per-token cosines.
    const whole = await session.step(session.createSequence(), {
      tokens: result.fedIds,
      withCosines: true,
    });
    for (let j = 0; j < L; j++) {
      const tail = (values: Float32Array | undefined) =>
        Array.from(values ?? []).slice(prompt.length);
      for (const [t, v] of Array.from(decode?.attn[j] ?? []).entries())
        expect(v).toBeCloseTo(tail(whole.cosAttn?.[j])[t] as number, 4);
      for (const [t, v] of Array.from(decode?.ffn[j] ?? []).entries())
        expect(v).toBeCloseTo(tail(whole.cosFfn?.[j])[t] as number, 4);
    }
    // Without the option, no decode cosines.
    const plain = generate(session, session.createSequence(), {
      inputIds: prompt,
      sampler: new TokenSampler(),
      stoppingCriteria: new StoppingCriteriaList([new MaxNewTokensCriteria(3)]),
      streamer: new TextStreamer(tokenizer),
    });
    let last = await plain.next();
    while (!last.done) last = await plain.next();
    expect(last.value.decodeCosines).toBeUndefined();
  });
});
