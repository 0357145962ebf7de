import { LiteStageError } from '@litestage/errors';
/** The two sub-layers of every decoder layer: attention and feed-forward. */
export const SUB_LAYER_KINDS = ['attn', 'ffn'] as const;
export type SubLayerKind = (typeof SUB_LAYER_KINDS)[number];

/** A sub-layer id as written in profiles: `"<layer>.attn"` or `"<layer>.ffn"`, layers from 0. */
export type SubLayerId = `${number}.${SubLayerKind}`;

export interface SubLayer {
  readonly layer: number;
  readonly kind: SubLayerKind;
}

/** No leading zeros, so every sub-layer has exactly one spelling and duplicates are detectable. */
export const SUB_LAYER_ID_PATTERN = /^(0|[1-9][0-9]*)\.(attn|ffn)$/;

export class SubLayerIdError extends LiteStageError {
  override readonly name = 'SubLayerIdError';
}

/**
 * Parses `"7.ffn"` into `{ layer: 7, kind: 'ffn' }`. With `numLayers`, a layer outside
 * `0..numLayers-1` is refused too.
 */
export function parseSubLayerId(id: string, numLayers?: number): SubLayer {
  const match = SUB_LAYER_ID_PATTERN.exec(id);
  if (!match) {
    throw new SubLayerIdError(
      `${JSON.stringify(id)} is not a sub-layer id: expected "<layer>.attn" or "<layer>.ffn", e.g. "3.attn"`,
    );
  }
  const layer = Number(match[1]);
  if (numLayers !== undefined && layer >= numLayers) {
    throw new SubLayerIdError(
      `sub-layer ${JSON.stringify(id)} is beyond the model's ${numLayers} layers (0..${numLayers - 1})`,
    );
  }
  return { layer, kind: match[2] as SubLayerKind };
}

export function formatSubLayerId(subLayer: SubLayer): SubLayerId {
  if (!Number.isInteger(subLayer.layer) || subLayer.layer < 0) {
    throw new SubLayerIdError(`layer must be a non-negative integer, got ${subLayer.layer}`);
  }
  if (!SUB_LAYER_KINDS.includes(subLayer.kind)) {
    throw new SubLayerIdError(`kind must be "attn" or "ffn", got ${JSON.stringify(subLayer.kind)}`);
  }
  return `${subLayer.layer}.${subLayer.kind}`;
}

/** One flag per layer for each kind: whether that sub-layer is listed. */
export interface SubLayerFlags {
  readonly attn: boolean[];
  readonly ffn: boolean[];
}

/**
 * Turns a list of ids (`["0.attn", "3.ffn"]`) into per-layer flags over `numLayers` layers;
 * throws a `SubLayerIdError` for a malformed id or one beyond the model.
 */
export function subLayerFlags(ids: readonly string[], numLayers: number): SubLayerFlags {
  const attn = Array<boolean>(numLayers).fill(false);
  const ffn = Array<boolean>(numLayers).fill(false);
  for (const id of ids) {
    const { layer, kind } = parseSubLayerId(id, numLayers);
    (kind === 'attn' ? attn : ffn)[layer] = true;
  }
  return { attn, ffn };
}

/** Every sub-layer of a model in execution order: `0.attn, 0.ffn, 1.attn, ...`. */
export function allSubLayerIds(numLayers: number): SubLayerId[] {
  if (!Number.isInteger(numLayers) || numLayers < 1) {
    throw new SubLayerIdError(`numLayers must be a positive integer, got ${numLayers}`);
  }
  const ids: SubLayerId[] = [];
  for (let layer = 0; layer < numLayers; layer++) {
    for (const kind of SUB_LAYER_KINDS) ids.push(`${layer}.${kind}`);
  }
  return ids;
}
