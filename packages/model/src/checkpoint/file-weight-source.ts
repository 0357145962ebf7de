import { type FileHandle, open } from 'node:fs/promises';
import type { StoredDtype, WeightSource } from '../decoder-config.js';
import { CheckpointError, openFailure } from './checkpoint-error.js';
import { bfloat16BytesToFloat32, float16BytesToFloat32, float32BytesToFloat32 } from './float16.js';

/** Where one tensor lies in a checkpoint file. */
export interface FileTensorEntry {
  readonly dtype: StoredDtype;
  readonly shape: readonly number[];
  /** Absolute position of the tensor's first byte in the file. */
  readonly position: number;
  readonly byteLength: number;
}

/** Converts stored little-endian bytes of `dtype` to float32. */
export function storedBytesToFloat32(dtype: StoredDtype, bytes: Uint8Array): Float32Array {
  switch (dtype) {
    case 'F32':
      return float32BytesToFloat32(bytes);
    case 'F16':
      return float16BytesToFloat32(bytes);
    case 'BF16':
      return bfloat16BytesToFloat32(bytes);
  }
}

/**
 * The tensors of one open file, each read on demand from its own byte range, so memory holds
 * one tensor at a time however large the checkpoint. The file stays open until `close()`.
 */
export class FileWeightSource implements WeightSource {
  readonly names: readonly string[];
  private closed = false;

  constructor(
    /** The file, named in every error. */
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly tensors: ReadonlyMap<string, FileTensorEntry>,
  ) {
    this.names = [...tensors.keys()];
  }

  get location(): string {
    return this.path;
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  shape(name: string): readonly number[] {
    return this.entry(name).shape;
  }

  dtype(name: string): StoredDtype {
    return this.entry(name).dtype;
  }

  async read(name: string): Promise<Float32Array> {
    const entry = this.entry(name);
    return storedBytesToFloat32(entry.dtype, await this.readEntry(name, entry));
  }

  async readRaw(name: string): Promise<Uint8Array> {
    return this.readEntry(name, this.entry(name));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private entry(name: string): FileTensorEntry {
    const entry = this.tensors.get(name);
    if (!entry)
      throw new CheckpointError(this.path, 'no such tensor in this file', { tensor: name });
    return entry;
  }

  private async readEntry(name: string, entry: FileTensorEntry): Promise<Uint8Array> {
    if (this.closed) throw new CheckpointError(this.path, 'read after close()', { tensor: name });
    return readFileRange(this.handle, this.path, entry.position, entry.byteLength, name);
  }
}

/** Opens a checkpoint file for reading; `what` says what was expected, for the error. */
export async function openCheckpointFile(path: string, what: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    throw openFailure(path, error, what);
  }
}

/**
 * Exactly `length` bytes at `position` of an open file, into a fresh buffer (so float32 views
 * on it are aligned). A read may return fewer bytes than asked, hence the loop; end of file
 * before `length` means the file shrank after it was checked.
 */
export async function readFileRange(
  handle: FileHandle,
  file: string,
  position: number,
  length: number,
  tensor?: string,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) {
      throw new CheckpointError(
        file,
        `file ended at byte ${position + done} while reading bytes ${position}..${position + length}; was it changed or truncated after it was opened?`,
        tensor === undefined ? undefined : { tensor },
      );
    }
    done += bytesRead;
  }
  return bytes;
}
