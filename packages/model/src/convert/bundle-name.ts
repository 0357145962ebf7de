import { basename } from 'node:path';
import type { DecoderConfig } from '../decoder-config.js';

/**
 * The name a converted bundle gets unless one is given. A checkpoint's folder is often
 * called "checkpoint", "model" or a commit hash (the Hugging Face cache), so the name comes
 * from the model itself:
 *
 * - Hugging Face: the last part of config.json's `_name_or_path`
 *   (`TinyLlama/TinyLlama-1.1B-Chat-v1.0` -> `TinyLlama-1.1B-Chat-v1.0`); without one, the
 *   `model_type` with the layer count and width (`llama-8x128`).
 * - llama2.c: the file name without `.bin` (`stories260K.bin` -> `stories260K`), which is
 *   how llama2.c's checkpoints are known.
 */
export function huggingFaceBundleName(configJson: string, config: DecoderConfig): string {
  const json = JSON.parse(configJson) as Record<string, unknown>;
  const path = json._name_or_path;
  if (typeof path === 'string') {
    const last = path.trim().split(/[/\\]/).filter(Boolean).at(-1);
    if (last !== undefined && last !== '.' && last !== '..') return last;
  }
  const modelType = typeof json.model_type === 'string' ? json.model_type : config.architecture;
  return `${modelType}-${config.numLayers}x${config.hiddenSize}`;
}

/** See `huggingFaceBundleName`. */
export function llama2cBundleName(file: string): string {
  return basename(file).replace(/\.bin$/, '');
}
