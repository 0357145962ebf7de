import type {
  AttributeValue,
  Graph,
  Initializer,
  Node,
  TensorTypeName,
  ValueInfo,
} from './onnx-model.js';

type AttributeInput = number | string | readonly number[] | Graph | AttributeValue;

/** Shared across a graph and its subgraphs so every value name is unique in the model. */
class NameCounter {
  private next = 0;
  fresh(prefix: string): string {
    return `${prefix}_${this.next++}`;
  }
}

/**
 * Builds an ONNX graph node by node. `op` returns the names of its outputs, so graphs
 * read like the computation: `const y = g.op('MatMul', [x, w])`.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly constants = new Map<string, string>();

  constructor(
    readonly name: string,
    private readonly names: NameCounter = new NameCounter(),
  ) {}

  /** A builder for a subgraph (an `If` branch) that may use this graph's values. */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this.names);
  }

  input(info: ValueInfo): string {
    this.inputs.push(info);
    return info.name;
  }

  output(info: ValueInfo): void {
    this.outputs.push(info);
  }

  /** Adds a node with one output. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: Record<string, AttributeInput> = {},
    domain?: string,
  ): string {
    return this.opN(opType, inputs, 1, attributes, domain)[0] as string;
  }

  /** Adds a node with `count` outputs. */
  opN(
    opType: string,
    inputs: readonly string[],
    count: number,
    attributes: Record<string, AttributeInput> = {},
    domain?: string,
  ): string[] {
    const base = this.names.fresh(opType.toLowerCase());
    const outputs = Array.from({ length: count }, (_, i) =>
      count === 1 ? base : `${base}_out${i}`,
    );
    this.pushNode(opType, base, inputs, outputs, attributes, domain);
    return outputs;
  }

  /**
   * Adds a node whose optional outputs are produced only where `wanted` is true; returns
   * one name per output, `''` for those left out.
   */
  opSome(
    opType: string,
    inputs: readonly string[],
    wanted: readonly boolean[],
    attributes: Record<string, AttributeInput> = {},
    domain?: string,
  ): string[] {
    const base = this.names.fresh(opType.toLowerCase());
    const outputs = wanted.map((want, i) => (want ? `${base}_out${i}` : ''));
    this.pushNode(opType, base, inputs, outputs, attributes, domain);
    return outputs;
  }

  /** Adds a node writing to given output names (graph outputs). */
  opInto(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeInput> = {},
  ): void {
    this.pushNode(opType, this.names.fresh(opType.toLowerCase()), inputs, outputs, attributes);
  }

  private pushNode(
    opType: string,
    name: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attributes: Record<string, AttributeInput>,
    domain?: string,
  ): void {
    this.nodes.push({
      opType,
      name,
      inputs,
      outputs,
      attributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, toAttribute(v)]),
      ),
      ...(domain ? { domain } : {}),
    });
  }

  initializer(init: Initializer): string {
    this.initializers.push(init);
    return init.name;
  }

  /** A small int64 constant (deduplicated within this graph). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `i64:${dims.join('x')}:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const bytes = new Uint8Array(values.length * 8);
    const view = new DataView(bytes.buffer);
    for (const [i, v] of values.entries()) view.setBigInt64(i * 8, BigInt(v), true);
    const name = this.constant('int64', dims, bytes);
    this.constants.set(key, name);
    return name;
  }

  /** A small float32 constant (deduplicated within this graph). */
  float32(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const key = `f32:${dims.join('x')}:${values.join(',')}`;
    const existing = this.constants.get(key);
    if (existing) return existing;
    const bytes = new Uint8Array(new Float32Array(values).buffer);
    const name = this.constant('float', dims, bytes);
    this.constants.set(key, name);
    return name;
  }

  private constant(type: TensorTypeName, dims: readonly number[], bytes: Uint8Array): string {
    // A Constant node rather than an initializer: subgraphs may declare their own.
    const name = this.names.fresh('const');
    this.nodes.push({
      opType: 'Constant',
      name,
      inputs: [],
      outputs: [name],
      attributes: {
        value: {
          kind: 'tensor',
          value: { name: `${name}_value`, type, dims, data: { kind: 'inline', bytes } },
        },
      },
    });
    return name;
  }

  build(): Graph {
    return {
      name: this.name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
  }
}

function toAttribute(value: AttributeInput): AttributeValue {
  if (typeof value === 'number') {
    return Number.isInteger(value) ? { kind: 'int', value } : { kind: 'float', value };
  }
  if (typeof value === 'string') return { kind: 'string', value };
  if (Array.isArray(value)) return { kind: 'ints', value };
  if ('kind' in (value as object)) return value as AttributeValue;
  return { kind: 'graph', value: value as Graph };
}
