// The WebGPU suite (`pnpm test:webgpu`): runs where a WebGPU adapter is found, in CI
// SwiftShader (Chromium's Vulkan ICD, VK_ICD_FILENAMES set by vitest.webgpu.config.ts).
// fp32 only (SwiftShader has no f16) and tiny shapes: correctness, not speed.
import type { ModelSession, Sequence, SkipMask, StepRequest } from '@litestage/core';
import type { DecoderConfig } from '@litestage/model';
import { createRandomWeights, memoryBundle, tinyDecoderConfig } from '@litestage/model/testing';
import type * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { probeExecutionProvider } from './execution-provider-probe.js';
import { nodeBackend } from './node-backend.js';
import { maxDifference } from './test-utils/max-difference.js';

const sessions: ModelSession[] = [];
afterAll(async () => {
  for (const session of sessions) await session.dispose();
});

async function pair(config: DecoderConfig, seed: number, propagateKv = false) {
  const bundle = await memoryBundle(config, createRandomWeights(config, seed), { propagateKv });
  const cpu = await nodeBackend.load(bundle, { executionProviders: ['cpu'], threads: 1 });
  const gpu = await nodeBackend.load(bundle, { executionProviders: ['webgpu'] });
  sessions.push(cpu, gpu);
  return { cpu, gpu };
}

/** Where a sequence's caches live: the backend's own sequences expose their tensors. */
function cacheLocations(sequence: Sequence): string[] {
  const { keys, values } = sequence as unknown as { keys: ort.Tensor[]; values: ort.Tensor[] };
  return [...keys, ...values].filter((t) => t.dims[2] !== 0).map((t) => t.location);
}

function argmax(logits: Float32Array, vocab: number, row = 0): number {
  let best = 0;
  for (let v = 1; v < vocab; v++)
    if ((logits[row * vocab + v] as number) > (logits[row * vocab + best] as number)) best = v;
  return best;
}

/** The same request on both sessions; logits, argmax and cache lengths must agree. */
async function stepBoth(
  sessions: { cpu: ModelSession; gpu: ModelSession },
  sequences: { cpu: Sequence; gpu: Sequence },
  request: StepRequest,
  vocab: number,
) {
  const want = await sessions.cpu.step(sequences.cpu, request);
  const got = await sessions.gpu.step(sequences.gpu, request);
  expect(got.positions).toBe(want.positions);
  expect(maxDifference(got.logits, want.logits)).toBeLessThanOrEqual(2e-4);
  for (let row = 0; row < got.positions; row++)
    expect(argmax(got.logits, vocab, row)).toBe(argmax(want.logits, vocab, row));
  expect(sequences.gpu.layerLengths()).toEqual(sequences.cpu.layerLengths());
  if (request.withCosines) {
    for (let j = 0; j < (want.cosAttn?.length ?? 0); j++) {
      expect(maxDifference(got.cosAttn?.[j] ?? [], want.cosAttn?.[j] ?? [])).toBeLessThan(2e-4);
      expect(maxDifference(got.cosFfn?.[j] ?? [], want.cosFfn?.[j] ?? [])).toBeLessThan(2e-4);
    }
  }
  return { got, want };
}

describe('Node WebGPU', () => {
  it('finds a WebGPU adapter here', async () => {
    expect(await probeExecutionProvider('webgpu')).toEqual({ provider: 'webgpu', usable: true });
  });

  it.each([
    ['Llama, GQA 4/2', tinyDecoderConfig(), false],
    [
      'Qwen2 biases, tied embeddings, MHA',
      tinyDecoderConfig({
        architecture: 'qwen2',
        attentionBias: true,
        tieWordEmbeddings: true,
        numKvHeads: 4,
      }),
      false,
    ],
    ['Llama, propagate build', tinyDecoderConfig(), true],
  ])(
    '%s: K/V stay on the device; steps under skip masks match the CPU',
    async (_name, config, propagateKv) => {
      const both = await pair(config, 11, propagateKv);
      expect(both.cpu.executionProvider).toBe('cpu');
      expect(both.gpu.executionProvider).toBe('webgpu');
      const sequences = { cpu: both.cpu.createSequence(), gpu: both.gpu.createSequence() };
      const L = config.numLayers;
      const masks: SkipMask[] = [
        { attn: Array(L).fill(false), ffn: Array(L).fill(false) },
        { attn: Array.from({ length: L }, (_, j) => j === 1), ffn: Array(L).fill(false) },
        {
          attn: Array.from({ length: L }, (_, j) => j !== 1),
          ffn: Array.from({ length: L }, (_, j) => j === 0),
        },
        { attn: Array(L).fill(true), ffn: Array(L).fill(true) },
        { attn: Array(L).fill(false), ffn: Array(L).fill(false) },
      ];
      await stepBoth(
        both,
        sequences,
        { tokens: [1, 5, 9, 17], skip: masks[0], allLogits: true },
        config.vocabSize,
      );
      expect(cacheLocations(sequences.gpu).every((l) => l === 'gpu-buffer')).toBe(true);
      expect(cacheLocations(sequences.cpu).every((l) => l === 'cpu')).toBe(true);
      for (const [i, skip] of masks.slice(1).entries()) {
        await stepBoth(
          both,
          sequences,
          { tokens: [(7 * i + 3) % config.vocabSize], skip },
          config.vocabSize,
        );
      }
      await stepBoth(both, sequences, { tokens: [4, 8], withCosines: true }, config.vocabSize);
      expect(cacheLocations(sequences.gpu).every((l) => l === 'gpu-buffer')).toBe(true);
      sequences.cpu.dispose();
      sequences.gpu.dispose();
    },
  );

  it('truncates device caches on the device, each layer to what it held', async () => {
    const config = tinyDecoderConfig();
    const both = await pair(config, 21);
    const sequences = { cpu: both.cpu.createSequence(), gpu: both.gpu.createSequence() };
    const skip = { attn: [false, true, false], ffn: [false, false, false] };
    await stepBoth(both, sequences, { tokens: [1, 2, 3] }, config.vocabSize);
    await stepBoth(both, sequences, { tokens: [4, 5], skip }, config.vocabSize);
    await stepBoth(both, sequences, { tokens: [6] }, config.vocabSize);
    sequences.cpu.truncate(4);
    sequences.gpu.truncate(4);
    expect(sequences.gpu.layerLengths()).toEqual([4, 3, 4]);
    await stepBoth(both, sequences, { tokens: [9, 10] }, config.vocabSize);
    expect(cacheLocations(sequences.gpu).every((l) => l === 'gpu-buffer')).toBe(true);
    sequences.cpu.truncate(0);
    sequences.gpu.truncate(0);
    expect(sequences.gpu.layerLengths()).toEqual([0, 0, 0]);
    await stepBoth(both, sequences, { tokens: [1, 7] }, config.vocabSize);
    sequences.gpu.reset();
    sequences.cpu.reset();
    await stepBoth(both, sequences, { tokens: [1, 9, 3] }, config.vocabSize);
  });

  it('greedy decoding gives the same tokens as the CPU', async () => {
    const config = tinyDecoderConfig({ numLayers: 4, vocabSize: 97, maxPositionEmbeddings: 64 });
    const both = await pair(config, 5);
    const greedy = async (session: ModelSession) => {
      const sequence = session.createSequence();
      let tokens = [1, 13, 42];
      const out: number[] = [];
      for (let i = 0; i < 24; i++) {
        const { logits } = await session.step(sequence, { tokens });
        const next = argmax(logits, config.vocabSize);
        out.push(next);
        tokens = [next];
      }
      sequence.dispose();
      return out;
    };
    expect(await greedy(both.gpu)).toEqual(await greedy(both.cpu));
  });

  it('refuses a sequence of another session, so device caches never reach a CPU session', async () => {
    const config = tinyDecoderConfig();
    const both = await pair(config, 3);
    const onDevice = both.gpu.createSequence();
    await both.gpu.step(onDevice, { tokens: [1, 2] });
    await expect(both.cpu.step(onDevice, { tokens: [3] })).rejects.toThrow(
      /belongs to another session/,
    );
    onDevice.dispose();
  });
});
