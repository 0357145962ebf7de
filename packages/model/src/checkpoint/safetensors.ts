import { randomUUID } from 'node:crypto';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import type { StoredDtype, WeightSource } from '../decoder-config.js';
import { CheckpointError } from './checkpoint-error.js';
import { formatShape } from './expected-tensors.js';
import {
  type FileTensorEntry,
  FileWeightSource,
  openCheckpointFile,
  readFileRange,
} from './file-weight-source.js';
import { float32ToBfloat16Bytes, float32ToFloat16Bytes, float32ToFloat32Bytes } from './float16.js';

/** Bytes per element of each dtype read and written. */
export const DTYPE_BYTES: Readonly<Record<StoredDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

/** The safetensors reference implementation refuses larger headers; so do we, before allocating. */
const MAX_HEADER_BYTES = 100_000_000;

/** One opened safetensors file: a `WeightSource` over its tensors, plus its header metadata. */
export interface SafetensorsFile extends WeightSource {
  /** The file, as given to `openSafetensors`. */
  readonly path: string;
  /** The header's `__metadata__` (string to string); empty when there is none. */
  readonly metadata: Readonly<Record<string, string>>;
}

function isSupportedDtype(dtype: string): dtype is StoredDtype {
  return Object.hasOwn(DTYPE_BYTES, dtype);
}

/**
 * Opens a safetensors file and checks its header: every tensor's dtype is F32, F16 or BF16,
 * its `data_offsets` lie inside the file and span exactly product(shape) elements. Tensor data
 * stays on disk until `read` or `readRaw` asks for one tensor. Errors are `CheckpointError`s
 * naming the file (and the tensor at fault). Call `close()` when done.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const handle = await openCheckpointFile(path, 'a .safetensors file');
  try {
    const { size } = await handle.stat();
    if (!Number.isSafeInteger(size) || size < 8) {
      throw new CheckpointError(
        path,
        `file is ${size} bytes, too short for a safetensors file (8-byte header length first); is it truncated?`,
      );
    }
    const lengthBytes = await readFileRange(handle, path, 0, 8);
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(size - 8)) {
      throw new CheckpointError(
        path,
        `header length ${headerLength} runs past the end of the file (${size} bytes); the file is truncated or not safetensors`,
      );
    }
    if (headerLength > BigInt(MAX_HEADER_BYTES)) {
      throw new CheckpointError(
        path,
        `header length ${headerLength} is over ${MAX_HEADER_BYTES} bytes; not a safetensors file?`,
      );
    }
    const headerBytes = await readFileRange(handle, path, 8, Number(headerLength));
    const dataStart = 8 + Number(headerLength);
    const header = parseHeader(path, headerBytes, dataStart, size - dataStart);
    return new SafetensorsReader(path, handle, header.metadata, header.tensors);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function parseHeader(
  path: string,
  headerBytes: Uint8Array,
  dataStart: number,
  dataSize: number,
): { metadata: Record<string, string>; tensors: Map<string, FileTensorEntry> } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    throw new CheckpointError(
      path,
      `header is not valid UTF-8 JSON (${error instanceof Error ? error.message : String(error)}); the file is corrupt or not safetensors`,
      { cause: error },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CheckpointError(path, 'header must be a JSON object of tensors');
  }

  const metadata: Record<string, string> = {};
  const entries: Array<[string, FileTensorEntry, number]> = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new CheckpointError(path, '__metadata__ must be an object of strings');
      }
      for (const [key, text] of Object.entries(value)) {
        if (typeof text !== 'string') {
          throw new CheckpointError(path, `__metadata__.${key} must be a string`);
        }
        metadata[key] = text;
      }
      continue;
    }
    const fail = (message: string) => new CheckpointError(path, message, { tensor: name });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw fail('header entry must be an object with dtype, shape and data_offsets');
    }
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string') throw fail('header entry has no dtype');
    if (!isSupportedDtype(dtype)) {
      throw fail(
        `dtype ${dtype} is not supported; this reader reads F32, F16 and BF16 (convert the checkpoint to one of them)`,
      );
    }
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
      throw fail(`shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
      throw fail(`data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > dataSize) {
      throw fail(
        `data_offsets [${begin}, ${end}] lie outside the data section (${dataSize} bytes); the file is truncated or its header is corrupt`,
      );
    }
    const elements = shape.reduce((product: number, size: number) => product * size, 1);
    const expectedBytes = elements * DTYPE_BYTES[dtype];
    if (end - begin !== expectedBytes) {
      throw fail(
        `data_offsets [${begin}, ${end}] span ${end - begin} bytes but ${dtype} ${formatShape(shape)} needs ${expectedBytes}`,
      );
    }
    entries.push([
      name,
      { dtype, shape, position: dataStart + begin, byteLength: end - begin },
      begin,
    ]);
  }
  // File order, so reading tensors in `names` order walks the file forward.
  entries.sort((a, b) => a[2] - b[2]);
  return { metadata, tensors: new Map(entries.map(([name, entry]) => [name, entry])) };
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Converts float32 values to stored bytes of `dtype` (rounding to nearest even). */
export function float32ToStoredBytes(dtype: StoredDtype, values: Float32Array): Uint8Array {
  switch (dtype) {
    case 'F32':
      return float32ToFloat32Bytes(values);
    case 'F16':
      return float32ToFloat16Bytes(values);
    case 'BF16':
      return float32ToBfloat16Bytes(values);
  }
}

class SafetensorsReader extends FileWeightSource implements SafetensorsFile {
  constructor(
    path: string,
    handle: FileHandle,
    readonly metadata: Readonly<Record<string, string>>,
    tensors: ReadonlyMap<string, FileTensorEntry>,
  ) {
    super(path, handle, tensors);
  }
}

/** One tensor for `writeSafetensors`. */
export interface SafetensorsTensorInput {
  readonly name: string;
  /** How the values are stored; fp16/bf16 round to nearest even. */
  readonly dtype: StoredDtype;
  readonly shape: readonly number[];
  /**
   * The values, row-major; or a function that makes them when the writer reaches this tensor,
   * so a large checkpoint never sits in memory whole.
   */
  readonly data: Float32Array | (() => Float32Array | Promise<Float32Array>);
}

/**
 * Writes a safetensors file: the header first (padded with spaces to a multiple of 8 bytes so
 * the data starts aligned), then the tensors one at a time in the given order. Writes to a
 * temporary file beside `path` and renames it, so `path` is never left half written.
 */
export async function writeSafetensors(
  path: string,
  tensors: readonly SafetensorsTensorInput[],
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new CheckpointError(path, `metadata "${key}" must be a string`);
      }
    }
    header.__metadata__ = metadata;
  }
  const elementCounts: number[] = [];
  let offset = 0;
  for (const tensor of tensors) {
    const fail = (message: string) => new CheckpointError(path, message, { tensor: tensor.name });
    if (tensor.name === '__metadata__') {
      throw fail('"__metadata__" is reserved for the header metadata');
    }
    if (Object.hasOwn(header, tensor.name)) throw fail('given twice');
    if (!isSupportedDtype(tensor.dtype)) {
      throw fail(`dtype ${String(tensor.dtype)} cannot be written`);
    }
    if (!tensor.shape.every(isNonNegativeInteger)) {
      throw fail(`shape ${JSON.stringify(tensor.shape)} is not a list of non-negative integers`);
    }
    const elements = tensor.shape.reduce((product, size) => product * size, 1);
    const byteLength = elements * DTYPE_BYTES[tensor.dtype];
    header[tensor.name] = {
      dtype: tensor.dtype,
      shape: tensor.shape,
      data_offsets: [offset, offset + byteLength],
    };
    elementCounts.push(elements);
    offset += byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const headerBytes = new Uint8Array(8 + padded).fill(0x20, 8 + json.length);
  new DataView(headerBytes.buffer).setBigUint64(0, BigInt(padded), true);
  headerBytes.set(json, 8);

  const temporary = `${path}.${randomUUID()}.tmp`;
  let handle: FileHandle | undefined;
  try {
    handle = await open(temporary, 'wx');
    await writeAll(handle, headerBytes);
    for (const [index, tensor] of tensors.entries()) {
      const values = typeof tensor.data === 'function' ? await tensor.data() : tensor.data;
      if (values.length !== elementCounts[index]) {
        throw new CheckpointError(
          path,
          `has ${values.length} values but shape ${formatShape(tensor.shape)} needs ${elementCounts[index]}`,
          { tensor: tensor.name },
        );
      }
      await writeAll(handle, float32ToStoredBytes(tensor.dtype, values));
    }
    await handle.close();
    handle = undefined;
    await rename(temporary, path);
  } catch (error) {
    await handle?.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
    done += bytesWritten;
  }
}
