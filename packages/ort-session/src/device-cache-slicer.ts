import { encodeModel } from '@litestage/model';
import type { OrtInferenceSession, OrtNamespace, OrtTensor } from './ort-namespace.js';

/** `out = data[:, :, :ends[0], :]`: one `Slice` along the cache's position axis. */
function sliceModel(): Uint8Array {
  const int64 = (name: string, value: bigint) => ({
    name,
    type: 'int64' as const,
    dims: [1],
    data: {
      kind: 'inline' as const,
      bytes: new Uint8Array(BigInt64Array.from([value]).buffer),
    },
  });
  return encodeModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producerName: 'litestage-cache-slicer',
    producerVersion: '1',
    graph: {
      name: 'keep_first',
      nodes: [
        {
          opType: 'Slice',
          name: 'keep_first',
          inputs: ['data', 'starts', 'ends', 'axes'],
          outputs: ['out'],
        },
      ],
      initializers: [int64('starts', 0n), int64('axes', 2n)],
      inputs: [
        { name: 'data', type: 'float', shape: [1, 'heads', 'positions', 'head_dim'] },
        { name: 'ends', type: 'int64', shape: [1] },
      ],
      outputs: [{ name: 'out', type: 'float', shape: [1, 'heads', 'kept', 'head_dim'] }],
    },
  });
}

/**
 * Cuts device-resident K/V caches (`gpu-buffer` tensors) on the device they live on: the
 * caches are never read back to the host, and the result stays on the device.
 */
export class DeviceCacheSlicer {
  private constructor(
    private readonly ort: OrtNamespace,
    private readonly session: OrtInferenceSession,
  ) {}

  /** A slicer on `executionProvider` (the provider the caches live on, e.g. `webgpu`). */
  static async create(ort: OrtNamespace, executionProvider: string): Promise<DeviceCacheSlicer> {
    const session = await ort.InferenceSession.create(sliceModel(), {
      executionProviders: [executionProvider],
      preferredOutputLocation: 'gpu-buffer',
    });
    return new DeviceCacheSlicer(ort, session);
  }

  /** The first `keep` positions of a `[1, heads, positions, headDim]` device cache, as a new tensor. */
  async keepFirst(cache: OrtTensor, keep: number): Promise<OrtTensor> {
    const ends = new this.ort.Tensor('int64', BigInt64Array.from([BigInt(keep)]), [1]);
    const { out } = await this.session.run({ data: cache, ends });
    return out as OrtTensor;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
