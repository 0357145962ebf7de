import type { TensorSink } from '../graph/prepared-weights.js';
import type { Initializer, TensorTypeName } from './onnx-model.js';

/** Keeps every tensor inline in the model (small models, tests). */
export class InlineTensorSink implements TensorSink {
  readonly initializers: Initializer[] = [];

  async add(
    name: string,
    type: TensorTypeName,
    dims: readonly number[],
    bytes: Uint8Array,
  ): Promise<Initializer> {
    const init: Initializer = { name, type, dims, data: { kind: 'inline', bytes: bytes.slice() } };
    this.initializers.push(init);
    return init;
  }
}
