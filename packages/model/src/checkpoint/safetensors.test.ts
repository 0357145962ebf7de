import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectCheckpointError } from '../test-utils/expect-checkpoint-error.js';
import { tempDir } from '../test-utils/temp-dir.js';
import { rawSafetensorsBytes } from '../testing/tiny-checkpoints.js';
import {
  bfloat16ToFloat32,
  float16ToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
} from './float16.js';
import { openSafetensors, writeSafetensors } from './safetensors.js';

const VALUES = new Float32Array([1, -2, 0.1, 2.71, -1e-3, 65504]);

describe('writeSafetensors + openSafetensors', () => {
  it('round-trips F32 exactly and F16/BF16 after rounding, with metadata', async () => {
    const path = join(await tempDir(), 'model.safetensors');
    await writeSafetensors(
      path,
      [
        { name: 'a.f32', dtype: 'F32', shape: [2, 3], data: VALUES },
        { name: 'b.f16', dtype: 'F16', shape: [6], data: VALUES },
        { name: 'c.bf16', dtype: 'BF16', shape: [3, 2], data: () => VALUES },
        { name: 'd.empty', dtype: 'F32', shape: [0, 4], data: new Float32Array() },
      ],
      { format: 'pt' },
    );
    const file = await openSafetensors(path);
    try {
      expect(file.names).toEqual(['a.f32', 'b.f16', 'c.bf16', 'd.empty']);
      expect(file.metadata).toEqual({ format: 'pt' });
      expect(file.location).toBe(path);
      expect(file.shape('a.f32')).toEqual([2, 3]);
      expect(file.dtype('b.f16')).toBe('F16');
      expect(file.has('c.bf16')).toBe(true);
      expect(file.has('nope')).toBe(false);
      expect(await file.read('a.f32')).toEqual(VALUES);
      expect([...(await file.read('b.f16'))]).toEqual(
        [...VALUES].map((v) => float16ToFloat32(float32ToFloat16Bits(v))),
      );
      expect([...(await file.read('c.bf16'))]).toEqual(
        [...VALUES].map((v) => bfloat16ToFloat32(float32ToBfloat16Bits(v))),
      );
      expect((await file.read('d.empty')).length).toBe(0);
      expect((await file.readRaw('b.f16')).length).toBe(12);
      // Reads in parallel share the one file handle.
      const all = await Promise.all(file.names.map((name) => file.readRaw(name)));
      expect(all.map((bytes) => bytes.length)).toEqual([24, 12, 12, 0]);
    } finally {
      await file.close();
    }
    await expectCheckpointError(file.read('a.f32'), 'read after close');
  });

  it('lays the file out as the format requires: u64 length, padded JSON, aligned data', async () => {
    const dir = await tempDir();
    const path = join(dir, 'x.safetensors');
    await writeSafetensors(path, [
      { name: 'w', dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
    ]);
    const bytes = await readFile(path);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect(headerLength % 8).toBe(0);
    const headerText = bytes.subarray(8, 8 + headerLength).toString('utf8');
    expect(JSON.parse(headerText)).toEqual({
      w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    });
    expect(headerText).toMatch(/^\{.*\} *$/);
    expect(bytes.length).toBe(8 + headerLength + 8);
    expect(bytes.readFloatLE(8 + headerLength + 4)).toBe(2);
    // Only the final file remains: the temporary one was renamed.
    expect(await readdir(dir)).toEqual(['x.safetensors']);
  });

  it('refuses bad input to the writer and leaves no file behind', async () => {
    const dir = await tempDir();
    const path = join(dir, 'bad.safetensors');
    await expectCheckpointError(
      writeSafetensors(path, [{ name: 'w', dtype: 'F32', shape: [3], data: new Float32Array(2) }]),
      'bad.safetensors',
      'tensor "w"',
      '2 values',
    );
    await expectCheckpointError(
      writeSafetensors(path, [
        { name: 'w', dtype: 'F32', shape: [1], data: new Float32Array(1) },
        { name: 'w', dtype: 'F32', shape: [1], data: new Float32Array(1) },
      ]),
      'given twice',
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('openSafetensors refuses broken files', () => {
  async function writeRaw(bytes: Uint8Array, name = 'broken.safetensors'): Promise<string> {
    const path = join(await tempDir(), name);
    await writeFile(path, bytes);
    return path;
  }

  it('a missing file', async () => {
    const path = join(await tempDir(), 'absent.safetensors');
    await expectCheckpointError(openSafetensors(path), 'absent.safetensors', 'no such file');
  });

  it('a file shorter than the length prefix', async () => {
    const path = await writeRaw(new Uint8Array(5));
    await expectCheckpointError(openSafetensors(path), 'broken.safetensors', '5 bytes');
  });

  it('a header length past the end of the file', async () => {
    const bytes = rawSafetensorsBytes({});
    new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
    await expectCheckpointError(
      openSafetensors(await writeRaw(bytes)),
      'header length 1000',
      'past the end',
    );
  });

  it('a header that is not JSON', async () => {
    const bytes = rawSafetensorsBytes({});
    bytes[8] = 0x5b; // "[" + "}" is not JSON
    await expectCheckpointError(openSafetensors(await writeRaw(bytes)), 'not valid UTF-8 JSON');
  });

  it('data_offsets past the end of the file (a truncated file)', async () => {
    const path = join(await tempDir(), 'full.safetensors');
    await writeSafetensors(path, [
      { name: 'w', dtype: 'F32', shape: [4], data: new Float32Array(4) },
    ]);
    const full = await readFile(path);
    const truncatedPath = await writeRaw(
      full.subarray(0, full.length - 3),
      'truncated.safetensors',
    );
    const error = await expectCheckpointError(
      openSafetensors(truncatedPath),
      'truncated.safetensors',
      'tensor "w"',
      'data_offsets [0, 16]',
    );
    expect(error.tensor).toBe('w');
    expect(error.file).toBe(truncatedPath);
  });

  it('a size that does not match the shape', async () => {
    const bytes = rawSafetensorsBytes(
      { w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } },
      new Uint8Array(8),
    );
    await expectCheckpointError(openSafetensors(await writeRaw(bytes)), 'tensor "w"', 'needs 12');
  });

  it.each(['I8', 'F64', 'U8', 'F8_E4M3'])('an unsupported dtype (%s)', async (dtype) => {
    const bytes = rawSafetensorsBytes(
      {
        __metadata__: { format: 'pt' },
        ok: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
        q: { dtype, shape: [2], data_offsets: [4, 20] },
      },
      new Uint8Array(20),
    );
    const error = await expectCheckpointError(
      openSafetensors(await writeRaw(bytes)),
      'broken.safetensors',
      'tensor "q"',
      `dtype ${dtype} is not supported`,
    );
    expect(error.tensor).toBe('q');
  });

  it('malformed entries', async () => {
    const cases: Array<[unknown, string]> = [
      [[1, 2], 'must be a JSON object'],
      [{ w: 3 }, 'tensor "w"'],
      [{ w: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }, 'non-negative integers'],
      [{ w: { dtype: 'F32', shape: [1], data_offsets: [4] } }, 'is not [begin, end]'],
      [{ w: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 'outside the data section'],
      [{ __metadata__: { n: 1 } }, '__metadata__.n must be a string'],
    ];
    for (const [header, message] of cases) {
      await expectCheckpointError(
        openSafetensors(await writeRaw(rawSafetensorsBytes(header))),
        message,
      );
    }
  });

  it('names the file and tensor when asked for a tensor it lacks', async () => {
    const path = join(await tempDir(), 'one.safetensors');
    await writeSafetensors(path, [
      { name: 'w', dtype: 'F16', shape: [1], data: new Float32Array(1) },
    ]);
    const file = await openSafetensors(path);
    try {
      expect(() => file.shape('v')).toThrow(/one\.safetensors: tensor "v": no such tensor/);
      await expectCheckpointError(file.read('v'), 'tensor "v"');
    } finally {
      await file.close();
    }
  });
});
