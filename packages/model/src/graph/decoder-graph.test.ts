import { describe, expect, it } from 'vitest';
import { InlineTensorSink } from '../onnx/memory-sink.js';
import type { Graph } from '../onnx/onnx-model.js';
import { createRandomWeights } from '../testing/random-weights.js';
import { tinyDecoderConfig } from '../testing/tiny-decoder-config.js';
import {
  buildDecoderGraph,
  type DecoderGraphOptions,
  fusedGraphProblem,
  GraphFlavourError,
} from './decoder-graph.js';
import { prepareWeights } from './prepared-weights.js';

async function build(options: DecoderGraphOptions, config = tinyDecoderConfig()): Promise<Graph> {
  const sink = new InlineTensorSink();
  const weights = await prepareWeights(config, createRandomWeights(config, 1), sink, {
    dtype: 'fp32',
    quantization: 'none',
  });
  return buildDecoderGraph(config, weights, sink.initializers, options);
}

/** Op types of a graph's own nodes and of its `If` branches. */
function opTypes(graph: Graph): string[] {
  return graph.nodes.flatMap((node) => [
    node.opType,
    ...Object.values(node.attributes ?? {}).flatMap((a) =>
      a.kind === 'graph' ? opTypes(a.value) : [],
    ),
  ]);
}

const count = (ops: string[], op: string) => ops.filter((o) => o === op).length;

describe('the fused decoder graph', () => {
  it('is made of the contrib ops, one attention and two fused norms per layer', async () => {
    const plain = opTypes(await build({ gated: false, flavour: 'fused' }));
    const layers = tinyDecoderConfig().numLayers;
    expect(count(plain, 'GroupQueryAttention')).toBe(layers);
    expect(count(plain, 'RotaryEmbedding')).toBe(2 * layers);
    expect(count(plain, 'SkipSimplifiedLayerNormalization')).toBe(2 * layers);
    expect(count(plain, 'SimplifiedLayerNormalization')).toBe(1);
    expect(count(plain, 'If')).toBe(0);
    // One product for Q/K/V and one for gate/up, from concatenated checkpoint matrices.
    expect(count(plain, 'MatMul')).toBe(4 * layers);
    const standard = opTypes(await build({ gated: false, flavour: 'standard' }));
    expect(count(standard, 'GroupQueryAttention')).toBe(0);
    expect(count(standard, 'MatMul')).toBeGreaterThan(7 * layers);
  });

  it('gates every sub-layer, taking the skip flags with one Split per kind', async () => {
    const gated = await build({ gated: true, flavour: 'fused' });
    const layers = tinyDecoderConfig().numLayers;
    expect(count(opTypes(gated), 'If')).toBe(2 * layers);
    expect(count(opTypes(gated), 'GroupQueryAttention')).toBe(layers);
    expect(
      gated.nodes.filter((n) => n.opType === 'Split' && n.inputs[0]?.startsWith('skip_')),
    ).toHaveLength(2);
    expect(gated.inputs.map((i) => i.name)).toContain(`seqlens_k.${layers - 1}`);
    expect(gated.inputs.map((i) => i.name)).toContain(`total_sequence_length.${layers - 1}`);
  });

  it('refuses a model GroupQueryAttention cannot run, with a hint', async () => {
    const config = tinyDecoderConfig({ hiddenSize: 16, headDim: 4 });
    expect(fusedGraphProblem(tinyDecoderConfig())).toBeNull();
    expect(fusedGraphProblem(config)).toMatch(/multiple of 8.*is 4/);
    const attempt = build({ gated: true, flavour: 'fused' }, config);
    await expect(attempt).rejects.toThrow(GraphFlavourError);
    await expect(attempt).rejects.toMatchObject({ hint: /standard graph flavour/ });
    await expect(build({ gated: true, flavour: 'standard' }, config)).resolves.toBeDefined();
  });
});
