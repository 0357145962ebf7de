import { expectedTensorShapes } from '../checkpoint/expected-tensors.js';
import type { DecoderConfig, StoredDtype, WeightSource } from '../decoder-config.js';

/** Tensors held in memory, as a `WeightSource`. */
export class MemoryWeightSource implements WeightSource {
  readonly names: readonly string[];

  constructor(
    private readonly tensors: ReadonlyMap<
      string,
      { readonly shape: readonly number[]; readonly data: Float32Array }
    >,
    readonly location = 'memory',
  ) {
    this.names = [...tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  private get(name: string) {
    const tensor = this.tensors.get(name);
    if (!tensor) throw new Error(`${this.location}: no tensor "${name}"`);
    return tensor;
  }

  shape(name: string): readonly number[] {
    return this.get(name).shape;
  }

  dtype(_name: string): StoredDtype {
    return 'F32';
  }

  async read(name: string): Promise<Float32Array> {
    return this.get(name).data.slice();
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const data = this.get(name).data;
    return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  }

  async close(): Promise<void> {}
}

/**
 * Random weights for a config (deterministic from `seed`): for tests and benchmarks that
 * need a model of a given shape. Matrices are scaled like a trained model's (about
 * 1/sqrt(fan-in)), norms around 1, so activations stay in a realistic range. Each tensor is
 * generated when read, from its own seed, so even a billion-parameter shape costs no memory
 * until a tensor is asked for.
 */
export function createRandomWeights(config: DecoderConfig, seed = 1): WeightSource {
  return new RandomWeightSource(expectedTensorShapes(config), seed);
}

class RandomWeightSource implements WeightSource {
  readonly names: readonly string[];
  readonly location: string;

  constructor(
    private readonly shapes: ReadonlyMap<string, readonly number[]>,
    private readonly seed: number,
  ) {
    this.names = [...shapes.keys()];
    this.location = `random(seed ${seed})`;
  }

  has(name: string): boolean {
    return this.shapes.has(name);
  }

  shape(name: string): readonly number[] {
    const shape = this.shapes.get(name);
    if (!shape) throw new Error(`${this.location}: no tensor "${name}"`);
    return shape;
  }

  dtype(_name: string): StoredDtype {
    return 'F32';
  }

  async read(name: string): Promise<Float32Array> {
    const shape = this.shape(name);
    let state = (this.seed ^ hashName(name)) >>> 0;
    const uniform = () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const isNorm = shape.length === 1 && !name.endsWith('.bias');
    const scale = shape.length === 2 ? Math.sqrt(3 / (shape[1] as number)) : 0.1 * Math.sqrt(3);
    for (let i = 0; i < size; i++)
      data[i] = isNorm ? 0.8 + 0.4 * uniform() : (uniform() * 2 - 1) * scale;
    return data;
  }

  async readRaw(name: string): Promise<Uint8Array> {
    return new Uint8Array((await this.read(name)).buffer);
  }

  async close(): Promise<void> {}
}

function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}
