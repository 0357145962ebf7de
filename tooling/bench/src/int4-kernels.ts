/**
 * The matrix products of one TinyLlama-shaped decode step, alone: 22 layers of fused QKV,
 * output, gate/up and down projections as `MatMulNBits`, for each 4-bit block size and
 * accuracy level, and the 32000-row LM head in each form a bundle can store it. Random
 * weights, one token, interleaved sessions; it says which int4 settings to make default.
 *
 *   pnpm --filter @litestage/bench int4-kernels [--threads 1] [--rounds 30] [--out f.json]
 */
import { writeFile } from 'node:fs/promises';
import { encodeModel, type OnnxModel } from '@litestage/model';
import * as ort from 'onnxruntime-node';
import { interleaved, type Spread } from './perf/timing.js';
import { arg, has } from './script-args.js';
import { TINYLLAMA_CONFIG } from './tinyllama-config.js';

type Initializer = OnnxModel['graph']['initializers'][number];
type Node = OnnxModel['graph']['nodes'][number];

const threads = Number(arg('--threads', '1'));
const rounds = Number(arg('--rounds', '30'));
const { hiddenSize: d, intermediateSize: ffn, numLayers, vocabSize } = TINYLLAMA_CONFIG;
const kv = TINYLLAMA_CONFIG.numKvHeads * TINYLLAMA_CONFIG.headDim;

let seed = 1;
/** Deterministic bytes (xorshift), so every run times the same weights. */
function randomBytes(count: number): Uint8Array {
  const out = new Uint8Array(count);
  const words = new Uint32Array(out.buffer, 0, count >> 2);
  let s = seed++ * 2654435761;
  for (let i = 0; i < words.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    words[i] = s >>> 0;
  }
  return out;
}

function randomFloats(count: number, scale: number): Uint8Array {
  const bytes = randomBytes(count * 4);
  const view = new Float32Array(bytes.buffer);
  const words = new Uint32Array(bytes.buffer);
  for (let i = 0; i < count; i++) view[i] = ((words[i] as number) / 2 ** 32 - 0.5) * 2 * scale;
  return bytes;
}

const inline = (
  name: string,
  type: Initializer['type'],
  dims: number[],
  bytes: Uint8Array,
): Initializer => ({ name, type, dims, data: { kind: 'inline', bytes } });

interface Variant {
  readonly name: string;
  readonly nodes: Node[];
  readonly initializers: Initializer[];
}

/** `y = x @ W` as MatMulNBits with random 4-bit weights `[n, k]`. */
function nBits(
  v: Variant,
  x: string,
  k: number,
  n: number,
  block: number,
  level: number,
  id: string,
  bits = 4,
): string {
  const blocks = Math.ceil(k / block);
  const blockBytes = (block * bits) / 8;
  v.initializers.push(
    inline(`${id}.w`, 'uint8', [n, blocks, blockBytes], randomBytes(n * blocks * blockBytes)),
    inline(`${id}.s`, 'float', [n * blocks], randomFloats(n * blocks, 0.02)),
  );
  v.nodes.push({
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    name: id,
    inputs: [x, `${id}.w`, `${id}.s`],
    outputs: [`${id}.y`],
    attributes: {
      K: { kind: 'int', value: k },
      N: { kind: 'int', value: n },
      bits: { kind: 'int', value: bits },
      block_size: { kind: 'int', value: block },
      accuracy_level: { kind: 'int', value: level },
    },
  });
  return `${id}.y`;
}

/** The first `width` features of `x`. */
function first(v: Variant, x: string, width: number, id: string): string {
  v.initializers.push(
    inline(`${id}.start`, 'int64', [1], new Uint8Array(new BigInt64Array([0n]).buffer)),
    inline(`${id}.end`, 'int64', [1], new Uint8Array(new BigInt64Array([BigInt(width)]).buffer)),
    inline(`${id}.axis`, 'int64', [1], new Uint8Array(new BigInt64Array([2n]).buffer)),
  );
  v.nodes.push({
    opType: 'Slice',
    name: id,
    inputs: [x, `${id}.start`, `${id}.end`, `${id}.axis`],
    outputs: [`${id}.y`],
  });
  return `${id}.y`;
}

/** The layers' projections chained (each one's output sliced to the next one's input). */
function layersVariant(block: number, level: number): Variant {
  const v: Variant = {
    name: `layers, block ${block}, level ${level}`,
    nodes: [],
    initializers: [],
  };
  let x = 'x';
  for (let l = 0; l < numLayers; l++) {
    const qkv = nBits(v, x, d, d + 2 * kv, block, level, `l${l}.qkv`);
    const o = nBits(v, first(v, qkv, d, `l${l}.q`), d, d, block, level, `l${l}.o`);
    const gateUp = nBits(v, o, d, 2 * ffn, block, level, `l${l}.gu`);
    x = nBits(v, first(v, gateUp, ffn, `l${l}.g`), ffn, d, block, level, `l${l}.down`);
  }
  v.nodes.push({ opType: 'Identity', name: 'out', inputs: [x], outputs: ['y'] });
  return v;
}

/** The LM head alone, stored as `kind`. */
function headVariant(
  kind: 'fp32 Gemm' | 'int4 level 0' | 'int4 level 4' | 'int8 level 0' | 'int8 level 4',
): Variant {
  const v: Variant = { name: `LM head, ${kind}`, nodes: [], initializers: [] };
  if (kind === 'fp32 Gemm') {
    v.initializers.push(
      inline('head', 'float', [vocabSize, d], randomFloats(vocabSize * d, 0.02)),
      inline('shape', 'int64', [2], new Uint8Array(new BigInt64Array([-1n, BigInt(d)]).buffer)),
    );
    v.nodes.push(
      { opType: 'Reshape', name: 'flat', inputs: ['x', 'shape'], outputs: ['flat'] },
      {
        opType: 'Gemm',
        name: 'gemm',
        inputs: ['flat', 'head'],
        outputs: ['y'],
        attributes: { transB: { kind: 'int', value: 1 } },
      },
    );
    return v;
  }
  const bits = kind.startsWith('int8') ? 8 : 4;
  const y = nBits(v, 'x', d, vocabSize, 32, kind.endsWith('level 4') ? 4 : 0, 'head', bits);
  v.nodes.push({ opType: 'Identity', name: 'out', inputs: [y], outputs: ['y'] });
  return v;
}

async function sessionOf(v: Variant): Promise<ort.InferenceSession> {
  const model: OnnxModel = {
    irVersion: 8,
    opsets: [
      { domain: '', version: 17 },
      { domain: 'com.microsoft', version: 1 },
    ],
    producerName: 'litestage-bench',
    producerVersion: '0',
    graph: {
      name: v.name,
      nodes: v.nodes,
      initializers: v.initializers,
      inputs: [{ name: 'x', type: 'float', shape: [1, 1, d] }],
      outputs: [{ name: 'y', type: 'float' }],
    },
  };
  return ort.InferenceSession.create(encodeModel(model), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
}

const blocks = (has('--blocks') ? arg('--blocks') : '32,64,128').split(',').map(Number);
const variants = [
  ...blocks.flatMap((block) => [0, 4].map((level) => layersVariant(block, level))),
  headVariant('fp32 Gemm'),
  headVariant('int4 level 0'),
  headVariant('int4 level 4'),
  headVariant('int8 level 0'),
  headVariant('int8 level 4'),
];
const input = new ort.Tensor('float32', new Float32Array(randomFloats(d, 1).buffer), [1, 1, d]);
const actions = [];
for (const v of variants) {
  process.stderr.write(`loading ${v.name} ...\n`);
  const session = await sessionOf(v);
  v.initializers.length = 0;
  actions.push({ name: v.name, run: () => session.run({ x: input }) });
}
process.stderr.write(`timing ${rounds} rounds on ${threads} thread(s) ...\n`);
const result: Record<string, Spread> = await interleaved(actions, { rounds, warmup: 3 });
for (const [name, s] of Object.entries(result)) {
  console.log(
    `${name.padEnd(28)} ${s.median.toFixed(2).padStart(8)} ms  (${s.min.toFixed(2)}-${s.max.toFixed(2)})`,
  );
}
if (has('--out'))
  await writeFile(arg('--out'), `${JSON.stringify({ threads, result }, null, 2)}\n`);
