import { z } from 'zod';

/**
 * A model's fingerprint as bundles and profiles write it: `sha256:` and 64 lowercase hex
 * digits. `@litestage/model` computes it when it converts a checkpoint; this is the one rule
 * for its format, here because a profile must be checkable without the model package.
 */
export const MODEL_FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/;

export const modelFingerprintSchema = z
  .string()
  .regex(MODEL_FINGERPRINT_PATTERN, {
    error: 'expected "sha256:" followed by 64 lowercase hex digits',
  })
  .meta({
    description: "sha256 over the bundle's config and weights, as the bundle's manifest states it.",
  });
