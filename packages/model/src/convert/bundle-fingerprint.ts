import { createHash, type Hash } from 'node:crypto';
import type { ModelBundleManifest } from '../bundle-manifest.js';

/** What a fingerprint covers besides the weights: the model as the graph runs it. */
export type FingerprintedIdentity = Pick<ModelBundleManifest, 'config' | 'dtype' | 'quantization'>;

/**
 * The sha256 of the weight bytes in the order they are stored, fed as they are written, so
 * a model is never held whole to be fingerprinted.
 */
export class WeightsDigest {
  private readonly hash: Hash = createHash('sha256');

  update(bytes: Uint8Array): void {
    this.hash.update(bytes);
  }

  /** The digest in hex; the digest cannot be updated afterwards. */
  hex(): string {
    return this.hash.digest('hex');
  }
}

/**
 * A bundle's fingerprint (`sha256:<64 hex>`, the format `@litestage/profile` checks): sha256
 * over the identity as JSON (config, dtype, quantization, in that order) and the hex digest
 * of the weights. Profiles name it, so the recipe must not change: bundles converted before
 * would no longer match their profiles.
 */
export function bundleFingerprint(identity: FingerprintedIdentity, weightsHex: string): string {
  const { config, dtype, quantization } = identity;
  const hex = createHash('sha256')
    .update(JSON.stringify({ config, dtype, quantization }))
    .update(weightsHex)
    .digest('hex');
  return `sha256:${hex}`;
}
