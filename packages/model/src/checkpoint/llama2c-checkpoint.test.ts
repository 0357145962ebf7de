import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixturePath } from '@litestage/fixtures';
import { describe, expect, it } from 'vitest';
import { EMBED_TOKENS, FINAL_NORM, LM_HEAD, layerTensorNames } from '../decoder-config.js';
import { expectCheckpointError } from '../test-utils/expect-checkpoint-error.js';
import { tempDir } from '../test-utils/temp-dir.js';
import { tinyLlama2cFile } from '../testing/tiny-checkpoints.js';
import { expectedTensorShapes } from './expected-tensors.js';
import { openLlama2cCheckpoint } from './llama2c-checkpoint.js';

const STORIES_260K = fixturePath('stories260k/stories260K.bin');

describe('openLlama2cCheckpoint on stories260K', () => {
  it('reads the header into a Llama config with interleaved rope', async () => {
    const { config, weights } = await openLlama2cCheckpoint(STORIES_260K);
    try {
      expect(config).toEqual({
        architecture: 'llama',
        vocabSize: 512,
        hiddenSize: 64,
        intermediateSize: 172,
        numLayers: 5,
        numHeads: 8,
        numKvHeads: 4,
        headDim: 8,
        rmsNormEps: 1e-5,
        ropeTheta: 10000,
        ropeScaling: null,
        ropeStyle: 'interleaved',
        maxPositionEmbeddings: 512,
        tieWordEmbeddings: true,
        attentionBias: false,
        bosTokenId: 1,
        eosTokenIds: [2],
      });
      expect(weights.location).toBe(STORIES_260K);
      // Exactly the tensors a tied Llama needs, with the shapes the config implies.
      const expected = expectedTensorShapes(config);
      expect(weights.has(LM_HEAD)).toBe(false);
      expect([...weights.names].sort()).toEqual([...expected.keys()].sort());
      for (const [name, shape] of expected) {
        expect(weights.shape(name), name).toEqual(shape);
        expect(weights.dtype(name)).toBe('F32');
      }
    } finally {
      await weights.close();
    }
  });

  it('reads finite weights, norms included', async () => {
    const { weights } = await openLlama2cCheckpoint(STORIES_260K);
    try {
      for (const name of [EMBED_TOKENS, layerTensorNames(4).down, FINAL_NORM]) {
        const values = await weights.read(name);
        expect(values.length).toBe(weights.shape(name).reduce((a, b) => a * b, 1));
        expect(values.every(Number.isFinite), name).toBe(true);
        expect(
          values.some((value) => value !== 0),
          name,
        ).toBe(true);
      }
      const raw = await weights.readRaw(layerTensorNames(0).k);
      expect(raw.length).toBe(32 * 64 * 4);
    } finally {
      await weights.close();
    }
  });

  it('places the last tensor right before the rope tables llama2.c stores after it', async () => {
    // The final norm is the last tensor before freq_cis_real, whose row 0 is cos(0) = 1
    // everywhere: if the norm reads right, the 4 floats after it (head_size / 2) are ones.
    const { weights } = await openLlama2cCheckpoint(STORIES_260K);
    const norm = await weights.read(FINAL_NORM);
    await weights.close();
    const file = await readFile(STORIES_260K);
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    const freqStart = file.length - 2 * 512 * 4 * 4;
    expect([0, 1, 2, 3].map((i) => view.getFloat32(freqStart + i * 4, true))).toEqual([1, 1, 1, 1]);
    expect(norm[63]).toBe(view.getFloat32(freqStart - 4, true));
  });
});

describe('openLlama2cCheckpoint layout', () => {
  const dims = { dim: 8, hiddenDim: 12, layers: 2, heads: 4, kvHeads: 2, vocab: 10, seqLen: 6 };

  for (const sharedClassifier of [true, false]) {
    it(`maps each stacked array to Hugging Face names (${sharedClassifier ? 'shared' : 'separate'} classifier)`, async () => {
      const { bytes, arrays } = tinyLlama2cFile({ ...dims, sharedClassifier });
      const path = join(await tempDir(), 'tiny.bin');
      await writeFile(path, bytes);
      const array = (name: string) =>
        arrays.arrays.find((entry) => entry.name === name)?.data as Float32Array;
      const layerSlice = (name: string, layer: number) => {
        const data = array(name);
        const size = data.length / dims.layers;
        return data.subarray(layer * size, (layer + 1) * size);
      };

      const { config, weights } = await openLlama2cCheckpoint(path);
      try {
        expect(config.tieWordEmbeddings).toBe(sharedClassifier);
        expect(config.maxPositionEmbeddings).toBe(6);
        expect(await weights.read(EMBED_TOKENS)).toEqual(array('token_embedding'));
        for (let layer = 0; layer < dims.layers; layer++) {
          const names = layerTensorNames(layer);
          const pairs: Array<[string, string]> = [
            [names.inputNorm, 'rms_att'],
            [names.q, 'wq'],
            [names.k, 'wk'],
            [names.v, 'wv'],
            [names.o, 'wo'],
            [names.postNorm, 'rms_ffn'],
            [names.gate, 'w1'],
            [names.down, 'w2'],
            [names.up, 'w3'],
          ];
          for (const [hfName, llama2cName] of pairs) {
            expect(await weights.read(hfName), hfName).toEqual(layerSlice(llama2cName, layer));
          }
        }
        expect(await weights.read(FINAL_NORM)).toEqual(array('rms_final'));
        expect(weights.has(LM_HEAD)).toBe(!sharedClassifier);
        if (!sharedClassifier) expect(await weights.read(LM_HEAD)).toEqual(array('wcls'));
        expect(weights.shape(layerTensorNames(1).k)).toEqual([4, 8]);
        expect(weights.shape(layerTensorNames(1).down)).toEqual([8, 12]);
      } finally {
        await weights.close();
      }
    });
  }
});

describe('openLlama2cCheckpoint refuses', () => {
  async function corruptCopy(edit: (bytes: Uint8Array) => Uint8Array): Promise<string> {
    const bytes = new Uint8Array(await readFile(STORIES_260K));
    const path = join(await tempDir(), 'corrupt.bin');
    await writeFile(path, edit(bytes));
    return path;
  }

  it('a missing file', async () => {
    const path = join(await tempDir(), 'absent.bin');
    await expectCheckpointError(openLlama2cCheckpoint(path), path, 'no such file');
  });

  it('a file shorter than the header', async () => {
    const path = await corruptCopy((bytes) => bytes.subarray(0, 20));
    await expectCheckpointError(
      openLlama2cCheckpoint(path),
      path,
      '20 bytes, shorter than the 28-byte',
    );
  });

  it('a zeroed header', async () => {
    const path = await corruptCopy((bytes) => bytes.fill(0, 0, 28));
    await expectCheckpointError(
      openLlama2cCheckpoint(path),
      path,
      'corrupt llama2.c header: dim 0',
    );
  });

  it.each([
    [3, 0, 'n_heads 0'],
    [4, -4, 'n_kv_heads -4'],
    [5, 0, 'vocab_size 0'],
    [3, 7, 'dim 64 is not a multiple of n_heads 7'],
    [4, 3, 'n_heads 8 is not a multiple of n_kv_heads 3'],
  ])('header field %i set to %i', async (field, value, message) => {
    const path = await corruptCopy((bytes) => {
      new DataView(bytes.buffer).setInt32(field * 4, value, true);
      return bytes;
    });
    await expectCheckpointError(
      openLlama2cCheckpoint(path),
      path,
      `corrupt llama2.c header: ${message}`,
    );
  });

  it('an odd head size', async () => {
    const path = await corruptCopy((bytes) => {
      const view = new DataView(bytes.buffer);
      view.setInt32(0, 72, true); // dim 72 / 8 heads = 9
      return bytes;
    });
    await expectCheckpointError(openLlama2cCheckpoint(path), 'head size 9 (dim / n_heads) is odd');
  });

  it('a truncated file', async () => {
    const path = await corruptCopy((bytes) => bytes.subarray(0, bytes.length - 100));
    await expectCheckpointError(
      openLlama2cCheckpoint(path),
      path,
      `file is ${1056540 - 100} bytes but its header`,
      'implies 1056540: it is truncated',
    );
  });

  it('extra bytes at the end', async () => {
    const path = await corruptCopy((bytes) => {
      const longer = new Uint8Array(bytes.length + 4);
      longer.set(bytes);
      return longer;
    });
    await expectCheckpointError(openLlama2cCheckpoint(path), path, 'trailing bytes');
  });

  it('a classifier the header says is shared', async () => {
    const path = await corruptCopy((bytes) => {
      const longer = new Uint8Array(bytes.length + 512 * 64 * 4);
      longer.set(bytes);
      return longer;
    });
    await expectCheckpointError(openLlama2cCheckpoint(path), 'negative vocab_size');
  });

  it('a versioned ("ak42") export, pointing at the legacy one', async () => {
    const path = await corruptCopy((bytes) => {
      const view = new DataView(bytes.buffer);
      view.setUint32(0, 0x616b3432, true);
      view.setInt32(4, 1, true);
      return bytes;
    });
    await expectCheckpointError(
      openLlama2cCheckpoint(path),
      path,
      'versioned llama2.c export (magic "ak42", version 1)',
      'only the legacy format is read',
    );
  });
});
