import type { Profile } from '@litestage/profile';

/** One layer of one stage: whether its attention and its FFN sub-layer are skipped. */
export interface SkipCell {
  readonly attn: boolean;
  readonly ffn: boolean;
}

/** Which sub-layers each stage of a profile skips, as a layers x stages grid. */
export interface SkipMap {
  readonly stages: readonly string[];
  /** `cells[layer][stage]`. */
  readonly cells: readonly (readonly SkipCell[])[];
  /** Sub-layers skipped per stage, out of `2 * numLayers`. */
  readonly skippedPerStage: readonly number[];
  readonly numLayers: number;
}

/** The skip map of a profile, in the order of its task's stages. */
export function skipMapOf(profile: Profile): SkipMap {
  const { numLayers } = profile.model;
  const stages = profile.task.stages;
  const skipped = stages.map((stage) => new Set(profile.stages[stage]?.skip ?? []));
  return {
    stages,
    numLayers,
    cells: Array.from({ length: numLayers }, (_, layer) =>
      skipped.map((set) => ({ attn: set.has(`${layer}.attn`), ffn: set.has(`${layer}.ffn`) })),
    ),
    skippedPerStage: skipped.map((set) => set.size),
  };
}
