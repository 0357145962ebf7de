import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleManifest } from '@litestage/core';
import * as ort from 'onnxruntime-node';

/**
 * The floor under the engine: the bundle's gated graph driven by nothing but
 * `session.run`, nothing skipped, every output fetched. One prefill of `context`; each timed
 * step then feeds that same past (so every step sees the same length, with no truncation)
 * and one new token.
 */
export async function rawDecodeLoop(
  bundle: string,
  options: {
    readonly context: readonly number[];
    readonly threads: number;
    /** Which of the bundle's graphs (default gated). */
    readonly graph?: 'gated' | 'plain';
    /** Profile every run with onnxruntime's profiler, into files starting with this path. */
    readonly profilePrefix?: string;
    /** Session options over the defaults below (optimization level, arena, spinning). */
    readonly sessionOptions?: ort.InferenceSession.SessionOptions;
  },
): Promise<{ step(): Promise<void>; release(): Promise<void>; endProfiling(): void }> {
  const manifest = JSON.parse(
    await readFile(join(bundle, 'litestage.json'), 'utf8'),
  ) as BundleManifest;
  const graph = options.graph === 'plain' ? manifest.graphs.plain : manifest.graphs.gated;
  if (!graph) throw new Error(`${bundle} has no plain graph`);
  const session = await ort.InferenceSession.create(join(bundle, graph.file), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    ...(options.profilePrefix === undefined
      ? {}
      : { enableProfiling: true, profileFilePrefix: options.profilePrefix }),
    ...options.sessionOptions,
  });
  const { numLayers, numKvHeads, headDim } = manifest;
  const empty = () => new ort.Tensor('float32', new Float32Array(0), [1, numKvHeads, 0, headDim]);
  const feedsFor = (tokens: readonly number[], start: number, past: ort.Tensor[][]) =>
    rawFeeds(manifest, session.inputNames, tokens, start, past);
  const none = [Array.from({ length: numLayers }, empty), Array.from({ length: numLayers }, empty)];
  const prefill = await session.run(feedsFor(options.context, 0, none));
  const past = [
    Array.from({ length: numLayers }, (_, j) => prefill[`present_key.${j}`] as ort.Tensor),
    Array.from({ length: numLayers }, (_, j) => prefill[`present_value.${j}`] as ort.Tensor),
  ];
  const length = options.context.length;
  return {
    async step() {
      await session.run(feedsFor([7], length, past));
    },
    release: () => session.release(),
    endProfiling: () => session.endProfiling(),
  };
}

/**
 * The feeds of one run of a bundle's graph on its own, nothing skipped: `tokens` at
 * positions `start`.., after `past` (`[keys, values]`, one tensor per layer).
 */
export function rawFeeds(
  manifest: Pick<BundleManifest, 'numLayers'>,
  inputNames: readonly string[],
  tokens: readonly number[],
  start: number,
  past: readonly (readonly ort.Tensor[])[],
): Record<string, ort.Tensor> {
  const { numLayers } = manifest;
  const t = tokens.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, t]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from(tokens, (_, i) => BigInt(start + i)),
      [1, t],
    ),
    logits_to_keep: new ort.Tensor('int64', BigInt64Array.of(1n), [1]),
  };
  if (inputNames.includes('skip_attn')) {
    feeds.skip_attn = new ort.Tensor('bool', new Uint8Array(numLayers), [numLayers]);
    feeds.skip_ffn = new ort.Tensor('bool', new Uint8Array(numLayers), [numLayers]);
  }
  for (let j = 0; j < numLayers; j++) {
    feeds[`past_key.${j}`] = past[0]?.[j] as ort.Tensor;
    feeds[`past_value.${j}`] = past[1]?.[j] as ort.Tensor;
    if (inputNames.includes(`seqlens_k.${j}`)) {
      feeds[`seqlens_k.${j}`] = new ort.Tensor('int32', Int32Array.of(start + t - 1), [1]);
      feeds[`total_sequence_length.${j}`] = new ort.Tensor('int32', Int32Array.of(start + t), [1]);
    }
  }
  return feeds;
}
