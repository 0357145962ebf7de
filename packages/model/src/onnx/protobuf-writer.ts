/**
 * A minimal protocol-buffers encoder: just what writing ONNX models needs (varints,
 * length-delimited fields, fixed32 floats, packed repeated scalars). Messages are built
 * bottom-up: encode the children, then embed their bytes.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private current = new Uint8Array(256);
  private used = 0;
  private total = 0;

  get length(): number {
    return this.total + this.used;
  }

  private reserve(n: number): void {
    if (this.used + n <= this.current.length) return;
    this.chunks.push(this.current.subarray(0, this.used));
    this.total += this.used;
    this.current = new Uint8Array(Math.max(n, 4096));
    this.used = 0;
  }

  private byte(value: number): void {
    this.reserve(1);
    this.current[this.used++] = value;
  }

  /** Unsigned varint; negative int64 values use their two's complement (10 bytes). */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    if (v < 0x80n) {
      this.byte(Number(v));
      return this;
    }
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
    return this;
  }

  private tag(field: number, wireType: 0 | 1 | 2 | 5): void {
    this.varint((field << 3) | wireType);
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    return this.varint(value);
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    this.reserve(4);
    new DataView(this.current.buffer, this.current.byteOffset + this.used, 4).setFloat32(
      0,
      value,
      true,
    );
    this.used += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const child = new ProtoWriter();
    build(child);
    return this.bytes(field, child.finish());
  }

  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const child = new ProtoWriter();
    for (const v of values) child.varint(v);
    return this.bytes(field, child.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const data = new Uint8Array(values.length * 4);
    const view = new DataView(data.buffer);
    for (const [i, v] of values.entries()) view.setFloat32(i * 4, v, true);
    return this.bytes(field, data);
  }

  raw(data: Uint8Array): this {
    if (data.length > 4096) {
      this.chunks.push(this.current.subarray(0, this.used));
      this.total += this.used;
      this.chunks.push(data);
      this.total += data.length;
      this.current = new Uint8Array(4096);
      this.used = 0;
      return this;
    }
    this.reserve(data.length);
    this.current.set(data, this.used);
    this.used += data.length;
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    out.set(this.current.subarray(0, this.used), offset);
    return out;
  }
}
