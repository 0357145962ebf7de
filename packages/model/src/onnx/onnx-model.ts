import { ProtoWriter } from './protobuf-writer.js';

/** ONNX element types used by LiteStage graphs (values of onnx.TensorProto.DataType). */
export const TensorType = {
  float: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
} as const;
export type TensorTypeName = keyof typeof TensorType;

/** A symbolic or fixed dimension. */
export type Dim = number | string;

export interface ValueInfo {
  readonly name: string;
  readonly type: TensorTypeName;
  /** Omitted: rank and dims unknown (allowed for subgraph outputs). */
  readonly shape?: readonly Dim[];
}

export type AttributeValue =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'tensor'; readonly value: Initializer }
  | { readonly kind: 'graph'; readonly value: Graph };

export interface Node {
  readonly opType: string;
  readonly domain?: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A constant tensor: inline bytes, or a range of the external data file. */
export interface Initializer {
  readonly name: string;
  readonly type: TensorTypeName;
  readonly dims: readonly number[];
  readonly data:
    | { readonly kind: 'inline'; readonly bytes: Uint8Array }
    | {
        readonly kind: 'external';
        readonly location: string;
        readonly offset: number;
        readonly length: number;
      };
}

export interface Graph {
  readonly name: string;
  readonly nodes: readonly Node[];
  readonly initializers: readonly Initializer[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

export interface OnnxModel {
  readonly irVersion: number;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: Graph;
  readonly metadata?: Readonly<Record<string, string>>;
}

const ATTRIBUTE_TYPE = {
  float: 1,
  int: 2,
  string: 3,
  tensor: 4,
  graph: 5,
  floats: 6,
  ints: 7,
} as const;

export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.int(1, model.irVersion);
  w.string(2, model.producerName);
  w.string(3, model.producerVersion);
  w.message(7, (g) => encodeGraph(g, model.graph));
  for (const opset of model.opsets) {
    w.message(8, (o) => {
      if (opset.domain) o.string(1, opset.domain);
      o.int(2, opset.version);
    });
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) {
    w.message(14, (e) => e.string(1, key).string(2, value));
  }
  return w.finish();
}

function encodeGraph(w: ProtoWriter, graph: Graph): void {
  for (const node of graph.nodes) w.message(1, (n) => encodeNode(n, node));
  w.string(2, graph.name);
  for (const init of graph.initializers) w.message(5, (t) => encodeTensor(t, init));
  for (const input of graph.inputs) w.message(11, (v) => encodeValueInfo(v, input));
  for (const output of graph.outputs) w.message(12, (v) => encodeValueInfo(v, output));
}

function encodeNode(w: ProtoWriter, node: Node): void {
  for (const input of node.inputs) w.string(1, input);
  for (const output of node.outputs) w.string(2, output);
  w.string(3, node.name);
  w.string(4, node.opType);
  for (const [name, attribute] of Object.entries(node.attributes ?? {})) {
    w.message(5, (a) => encodeAttribute(a, name, attribute));
  }
  if (node.domain) w.string(7, node.domain);
}

function encodeAttribute(w: ProtoWriter, name: string, attribute: AttributeValue): void {
  w.string(1, name);
  switch (attribute.kind) {
    case 'float':
      w.float(2, attribute.value);
      break;
    case 'int':
      w.int(3, attribute.value);
      break;
    case 'string':
      w.string(4, attribute.value);
      break;
    case 'tensor':
      w.message(5, (t) => encodeTensor(t, attribute.value));
      break;
    case 'graph':
      w.message(6, (g) => encodeGraph(g, attribute.value));
      break;
    case 'floats':
      w.packedFloats(7, attribute.value);
      break;
    case 'ints':
      w.packedInts(8, attribute.value);
      break;
  }
  w.int(20, ATTRIBUTE_TYPE[attribute.kind]);
}

function encodeTensor(w: ProtoWriter, tensor: Initializer): void {
  if (tensor.dims.length > 0) w.packedInts(1, tensor.dims);
  w.int(2, TensorType[tensor.type]);
  w.string(8, tensor.name);
  if (tensor.data.kind === 'inline') {
    w.bytes(9, tensor.data.bytes);
  } else {
    const { location, offset, length } = tensor.data;
    w.message(13, (e) => e.string(1, 'location').string(2, location));
    w.message(13, (e) => e.string(1, 'offset').string(2, String(offset)));
    w.message(13, (e) => e.string(1, 'length').string(2, String(length)));
    w.int(14, 1);
  }
}

function encodeValueInfo(w: ProtoWriter, info: ValueInfo): void {
  w.string(1, info.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, TensorType[info.type]);
      if (info.shape) {
        const shape = info.shape;
        tensor.message(2, (s) => {
          for (const dim of shape) {
            s.message(1, (d) => (typeof dim === 'number' ? d.int(1, dim) : d.string(2, dim)));
          }
        });
      }
    }),
  );
}
