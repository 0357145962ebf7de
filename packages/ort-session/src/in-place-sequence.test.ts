import type { BundleManifest } from '@litestage/core';
import { Tensor } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { IN_PLACE_GROWTH } from './in-place-sequence.js';
import { inPlaceCacheRefusal, openOrtModelSession } from './ort-model-session.js';
import type { OrtInferenceSession, OrtNamespace, OrtTensor } from './ort-namespace.js';

// What an in-place session feeds and fetches, on a fake runtime that records each run (the
// real runtime's results are compared with the copying caches in backend-node).

const manifest = {
  numLayers: 2,
  numKvHeads: 1,
  headDim: 4,
  vocabSize: 10,
  maxPositions: 40,
  quantization: 'none',
  graphFlavour: 'fused',
  propagateKv: false,
  graphs: { gated: { file: 'model.onnx', externalData: null }, plain: null },
} as unknown as BundleManifest;

function recordingRuntime() {
  const runs: { feeds: Record<string, OrtTensor>; fetches: Record<string, OrtTensor | null> }[] =
    [];
  const outputNames = [
    'logits',
    'present_key.0',
    'present_value.0',
    'present_key.1',
    'present_value.1',
  ];
  const session = {
    outputNames,
    async run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor | null>) {
      runs.push({ feeds, fetches });
      const outputs: Record<string, OrtTensor> = {
        logits: new Tensor('float32', new Float32Array(10), [1, 1, 10]),
      };
      if (Array.isArray(fetches)) {
        // Copied caches: each present is its past and the new tokens, every value of a new
        // entry its position (one KV head, head dim 4).
        const t = feeds.input_ids?.dims[1] as number;
        const start = Number((feeds.position_ids as OrtTensor).data[0]);
        for (const j of [0, 1]) {
          for (const kind of ['key', 'value']) {
            const past = feeds[`past_${kind}.${j}`] as OrtTensor;
            const n = past.dims[2] as number;
            const data = new Float32Array((n + t) * 4);
            data.set(past.data as Float32Array);
            for (let i = 0; i < t; i++) data.fill(start + i, (n + i) * 4, (n + i + 1) * 4);
            outputs[`present_${kind}.${j}`] = new Tensor('float32', data, [1, 1, n + t, 4]);
          }
        }
      }
      return outputs;
    },
    release: async () => {},
  } as unknown as OrtInferenceSession;
  const ort = { Tensor, InferenceSession: {} } as unknown as OrtNamespace;
  const open = (inPlaceFrom: number | undefined, bundle = manifest) =>
    openOrtModelSession({
      ort,
      backend: 'test',
      executionProvider: 'cpu',
      manifest: bundle,
      sessionOptions: {},
      deviceCaches: false,
      inPlaceFrom,
      createSession: async () => session,
    });
  return { runs, open };
}

const int = (tensor: OrtTensor | undefined) => (tensor?.data as Int32Array | undefined)?.[0];

describe('an in-place session', () => {
  it('fetches each present into the buffer it feeds as past, with each layer its own length', async () => {
    const runtime = recordingRuntime();
    const session = await runtime.open(0);
    const sequence = session.createSequence();
    await session.step(sequence, { tokens: [1, 2, 3] });
    await session.step(sequence, {
      tokens: [4],
      skip: { attn: [false, true], ffn: [false, false] },
    });
    const last = runtime.runs.at(-1);
    for (const j of [0, 1]) {
      expect(last?.fetches[`present_key.${j}`]).toBe(last?.feeds[`past_key.${j}`]);
      expect(last?.fetches[`present_value.${j}`]).toBe(last?.feeds[`past_value.${j}`]);
    }
    expect(last?.fetches.logits).toBeNull();
    // Before the second step both layers held 3 positions: past 3 + 1 new.
    expect(int(last?.feeds['seqlens_k.0'])).toBe(3);
    expect(int(last?.feeds['total_sequence_length.0'])).toBe(4);
    // Layer 1 skipped its attention: it still holds 3, layer 0 holds 4.
    expect(sequence.layerLengths()).toEqual([4, 3]);
    await session.step(sequence, { tokens: [5] });
    const third = runtime.runs.at(-1);
    expect(int(third?.feeds['total_sequence_length.0'])).toBe(5);
    expect(int(third?.feeds['total_sequence_length.1'])).toBe(4);
    // The same buffer every step while it is long enough.
    expect(third?.feeds['past_key.0']).toBe(last?.feeds['past_key.0']);
    expect(third?.feeds['past_key.0']?.dims).toEqual([1, 1, IN_PLACE_GROWTH, 4]);
  });

  it('truncates by shortening lengths, and grows its buffers keeping what they hold', async () => {
    const runtime = recordingRuntime();
    const session = await runtime.open(0);
    const sequence = session.createSequence();
    await session.step(sequence, { tokens: [1, 2, 3, 4, 5, 6] });
    const buffer = runtime.runs[0]?.feeds['past_key.0'] as OrtTensor;
    // What the graph would have written for positions 0..5 (head 0, 4 values each).
    const data = buffer.data as Float32Array;
    for (let i = 0; i < 6 * 4; i++) data[i] = i + 1;
    sequence.truncate(2);
    expect(sequence.layerLengths()).toEqual([2, 2]);
    await session.step(sequence, { tokens: Array(IN_PLACE_GROWTH).fill(7) });
    const grown = runtime.runs.at(-1);
    expect(int(grown?.feeds['total_sequence_length.0'])).toBe(2 + IN_PLACE_GROWTH);
    const bigger = grown?.feeds['past_key.0'] as OrtTensor;
    expect(bigger).not.toBe(buffer);
    expect(bigger.dims[2]).toBe(2 * IN_PLACE_GROWTH);
    // The two kept positions moved over; what was truncated did not.
    expect(Array.from((bigger.data as Float32Array).subarray(0, 12))).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0,
    ]);
    expect(grown?.fetches['present_key.0']).toBe(bigger);
  });

  it('is refused for graphs that cannot share past and present, and never on device caches', async () => {
    expect(inPlaceCacheRefusal(manifest)).toBeNull();
    expect(inPlaceCacheRefusal({ graphFlavour: 'standard', propagateKv: false })).toMatch(
      /standard-op/,
    );
    expect(inPlaceCacheRefusal({ graphFlavour: 'fused', propagateKv: true })).toMatch(/propagate/);
    const runtime = recordingRuntime();
    await expect(
      runtime.open(0, { ...manifest, propagateKv: true } as BundleManifest),
    ).rejects.toThrow(/cannot keep K\/V in place/);
  });

  it('copies caches out when not asked to keep them in place', async () => {
    const runtime = recordingRuntime();
    const session = await runtime.open(undefined);
    await session.step(session.createSequence(), { tokens: [1] });
    // Fetched by name only: onnxruntime allocates every output itself.
    expect(Array.isArray(runtime.runs[0]?.fetches)).toBe(true);
  });

  it('copies short caches, and moves them into buffers once the longest reaches the threshold', async () => {
    const runtime = recordingRuntime();
    const session = await runtime.open(8);
    const sequence = session.createSequence();
    await session.step(sequence, { tokens: [1, 2, 3] });
    await session.step(sequence, { tokens: [4, 5, 6, 7] });
    // A truncation while copied cuts the caches: positions 0..4 stay.
    sequence.truncate(5);
    await session.step(sequence, { tokens: [8, 9] });
    expect(runtime.runs.map((r) => Array.isArray(r.fetches))).toEqual([true, true, true]);
    expect(sequence.layerLengths()).toEqual([7, 7]);
    // 7 held + 1 new reaches 8: this step is written in place.
    await session.step(sequence, { tokens: [9] });
    const switched = runtime.runs.at(-1);
    expect(Array.isArray(switched?.fetches)).toBe(false);
    const buffer = switched?.feeds['past_key.0'] as OrtTensor;
    expect(switched?.fetches['present_key.0']).toBe(buffer);
    expect(buffer.dims).toEqual([1, 1, IN_PLACE_GROWTH, 4]);
    expect(int(switched?.feeds['seqlens_k.0'])).toBe(7);
    // The copied caches moved over: positions 0-4, then 5-6 written by the third step.
    const firsts = Array.from({ length: 8 }, (_, p) => (buffer.data as Float32Array)[p * 4]);
    expect(firsts).toEqual([0, 1, 2, 3, 4, 5, 6, 0]);
    expect(sequence.layerLengths()).toEqual([8, 8]);
    // A reset starts copying again.
    sequence.reset();
    await session.step(sequence, { tokens: [1] });
    expect(Array.isArray(runtime.runs.at(-1)?.fetches)).toBe(true);
  });
});
