import { encodeModel, type OnnxModel } from '@litestage/model/convert';
import { median } from '@litestage/search';
import * as ort from 'onnxruntime-node';

/**
 * Memory read bandwidth as onnxruntime's CPU provider sees it on a decode-shaped product: a
 * [1, K] x [K, N] fp32 MatMul whose weight (`megabytes` of it, far larger than the caches)
 * is read once per run. Returns GB/s (10^9 bytes) over the median run.
 */
export async function measureBandwidth(
  threads: number,
  options: { readonly megabytes?: number; readonly runs?: number } = {},
): Promise<{ readonly gbPerSecond: number; readonly bytes: number; readonly medianMs: number }> {
  const megabytes = options.megabytes ?? 256;
  const k = 8192;
  const n = Math.floor((megabytes * 2 ** 20) / (4 * k));
  const weight = new Float32Array(k * n);
  for (let i = 0; i < weight.length; i++) weight[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const model: OnnxModel = {
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producerName: 'litestage-bench',
    producerVersion: '0',
    graph: {
      name: 'bandwidth',
      nodes: [{ opType: 'MatMul', name: 'matmul', inputs: ['x', 'w'], outputs: ['y'] }],
      initializers: [
        {
          name: 'w',
          type: 'float',
          dims: [k, n],
          data: { kind: 'inline', bytes: new Uint8Array(weight.buffer) },
        },
      ],
      inputs: [{ name: 'x', type: 'float', shape: [1, k] }],
      outputs: [{ name: 'y', type: 'float', shape: [1, n] }],
    },
  };
  const session = await ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  try {
    const x = new ort.Tensor('float32', new Float32Array(k).fill(0.5), [1, k]);
    const times: number[] = [];
    for (let i = 0; i < (options.runs ?? 15) + 2; i++) {
      const start = performance.now();
      await session.run({ x });
      if (i >= 2) times.push(performance.now() - start);
    }
    const medianMs = median(times);
    const bytes = weight.byteLength;
    return { gbPerSecond: bytes / (medianMs / 1000) / 1e9, bytes, medianMs };
  } finally {
    await session.release();
  }
}
