import { type FileHandle, open } from 'node:fs/promises';
import type { TensorSink } from '../graph/prepared-weights.js';
import type { Initializer, TensorTypeName } from '../onnx/onnx-model.js';
import { WeightsDigest } from './bundle-fingerprint.js';

/** Offsets are kept aligned so runtimes may map tensors in place. */
const ALIGNMENT = 64;

/**
 * Streams every tensor into one external data file (`model.onnx.data`) as it is produced,
 * so conversion never holds all weights at once, and hashes the bytes for the fingerprint.
 */
export class ExternalDataSink implements TensorSink {
  readonly initializers: Initializer[] = [];
  private offset = 0;
  private readonly digest = new WeightsDigest();

  private constructor(
    private readonly file: FileHandle,
    private readonly location: string,
  ) {}

  /** `path` is where the data file is written; `location` is its name as graphs refer to it. */
  static async create(path: string, location: string): Promise<ExternalDataSink> {
    return new ExternalDataSink(await open(path, 'wx'), location);
  }

  async add(
    name: string,
    type: TensorTypeName,
    dims: readonly number[],
    bytes: Uint8Array,
  ): Promise<Initializer> {
    const padding = (ALIGNMENT - (this.offset % ALIGNMENT)) % ALIGNMENT;
    if (padding > 0) await this.write(new Uint8Array(padding));
    const init: Initializer = {
      name,
      type,
      dims,
      data: {
        kind: 'external',
        location: this.location,
        offset: this.offset,
        length: bytes.length,
      },
    };
    await this.write(bytes);
    this.initializers.push(init);
    return init;
  }

  private async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    this.digest.update(bytes);
    this.offset += bytes.length;
  }

  get size(): number {
    return this.offset;
  }

  /** Closes the file; returns the hex digest of everything written (padding included). */
  async close(): Promise<string> {
    await this.file.sync();
    await this.file.close();
    return this.digest.hex();
  }

  async abort(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}
