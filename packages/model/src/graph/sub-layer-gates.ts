import type { GraphBuilder } from '../onnx/graph-builder.js';
import { cosine } from './graph-ops.js';
import { attention, type DecoderLayer, feedForward } from './sub-layers.js';

/** The graph-wide values a gated sub-layer needs besides its layer. */
export interface Gates {
  /** `[numLayers]` bool graph input. */
  readonly skipFlags: string;
  /** A skipped attention sub-layer still appends its K/V (the `propagate` KV policy). */
  readonly propagateKv: boolean;
  /**
   * `[batch, seq]` ones, the cosine reported for a skipped sub-layer, in the search graph;
   * null in the run graph, whose sub-layers return no cosine.
   */
  readonly ones: string | null;
}

/** A sub-layer's output on the residual stream and, when gated with cosines, its per-token cosine. */
export interface SubLayerOutput {
  readonly hidden: string;
  readonly cosine: string | null;
}

/** Attention of layer `layer.index`, run always (plain graph) or in an `If` on its skip flag. */
export function addAttention(
  g: GraphBuilder,
  layer: DecoderLayer,
  hidden: string,
  gates: Gates | null,
): SubLayerOutput {
  if (!gates) {
    const ran = attention(g, layer, hidden, true);
    writePresent(g, layer, ran.keys, ran.values);
    return { hidden: ran.out, cosine: null };
  }
  // Without cosines the branches end one value early: nothing computes what no one reads.
  const withCos = (values: string[], cos: () => string) =>
    gates.ones ? [...values, cos()] : values;
  const [out, keys, values, cos] = ifSkipped(g, gates.skipFlags, layer.index, 'attn', {
    run: (b) => {
      const ran = attention(b, layer, hidden, true);
      return withCos([ran.out, ran.keys, ran.values], () => cosine(b, hidden, ran.out));
    },
    skip: (b) => {
      const ones = () => b.op('Identity', [gates.ones as string]);
      if (gates.propagateKv) {
        const kept = attention(b, layer, hidden, false);
        return withCos([b.op('Identity', [hidden]), kept.keys, kept.values], ones);
      }
      return withCos(
        [
          b.op('Identity', [hidden]),
          b.op('Identity', [layer.pastKey]),
          b.op('Identity', [layer.pastValue]),
        ],
        ones,
      );
    },
  }) as [string, string, string, string | undefined];
  writePresent(g, layer, keys, values);
  return { hidden: out, cosine: cos ?? null };
}

/** The feed-forward sub-layer of layer `layer.index`, plain or gated. */
export function addFeedForward(
  g: GraphBuilder,
  layer: DecoderLayer,
  hidden: string,
  gates: Gates | null,
): SubLayerOutput {
  if (!gates) return { hidden: feedForward(g, layer, hidden), cosine: null };
  const [next, cos] = ifSkipped(g, gates.skipFlags, layer.index, 'ffn', {
    run: (b) => {
      const out = feedForward(b, layer, hidden);
      return gates.ones ? [out, cosine(b, hidden, out)] : [out];
    },
    skip: (b) => {
      const same = b.op('Identity', [hidden]);
      return gates.ones ? [same, b.op('Identity', [gates.ones])] : [same];
    },
  }) as [string, string | undefined];
  return { hidden: next, cosine: cos ?? null };
}

/**
 * An `If` on `skipFlags[layer]`: the skip branch when set, the run branch otherwise. Each
 * branch returns its output values in the same order; the `If`'s outputs follow it.
 */
export function ifSkipped(
  g: GraphBuilder,
  skipFlags: string,
  layer: number,
  kind: 'attn' | 'ffn',
  branches: {
    readonly run: (b: GraphBuilder) => string[];
    readonly skip: (b: GraphBuilder) => string[];
  },
  /** The layer's flag already taken out of `skipFlags` (`[1]` bool), if it was. */
  flag?: string,
): string[] {
  const run = g.subgraph(`${kind}_${layer}_run`);
  const outputs = branchOutputs(run, branches.run(run));
  const skip = g.subgraph(`${kind}_${layer}_skip`);
  branchOutputs(skip, branches.skip(skip));
  const cond = flag ?? g.op('Gather', [skipFlags, g.int64([layer], [])], { axis: 0 });
  return g.opN('If', [cond], outputs, {
    then_branch: skip.build(),
    else_branch: run.build(),
  });
}

/** Declares `values` as the branch's outputs (through Identity nodes); returns their count. */
/**
 * Declares `values` as the branch's outputs: directly where the branch computes them, through
 * an Identity where they come from the outer graph or are declared twice. Returns their count.
 */
function branchOutputs(b: GraphBuilder, values: readonly string[]): number {
  const computed = new Set(b.nodes.flatMap((node) => node.outputs));
  const declared = new Set<string>();
  for (const value of values) {
    const name = computed.has(value) && !declared.has(value) ? value : b.op('Identity', [value]);
    declared.add(name);
    b.output({ name, type: 'float' });
  }
  return values.length;
}

function writePresent(g: GraphBuilder, layer: DecoderLayer, keys: string, values: string): void {
  g.opInto('Identity', [keys], [`present_key.${layer.index}`]);
  g.opInto('Identity', [values], [`present_value.${layer.index}`]);
}
