import { OrcFormatError } from '../errors.js';

/** Protobuf wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

const TWO_32 = 4294967296;
const MASK64 = 0xffffffffffffffffn;

/**
 * A minimal protobuf reader for the ORC metadata messages. Every read is bounded by the message end, so a
 * truncated or hostile message throws an OrcFormatError naming `what` instead of reading past it.
 */
export class ProtoReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    readonly what: string,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  fail(msg: string): never {
    throw new OrcFormatError(`${this.what}: ${msg}`);
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** Reads a field key; returns [field number, wire type]. */
  key(): [number, number] {
    const k = this.uint();
    return [Math.floor(k / 8), k & 7];
  }

  /** Unsigned varint as a number (exact up to 2^53; larger values fail, as no ORC size is that big). */
  uint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail('varint too large');
        return result;
      }
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Unsigned 64-bit varint as a bigint. */
  uint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result & MASK64; // not asUintN: see ByteReader.varintBig
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  int64(): bigint {
    return BigInt.asIntN(64, this.uint64());
  }

  /** Zigzag (sint64) varint as a bigint. */
  sint64(): bigint {
    const u = this.uint64();
    return (u >> 1n) ^ -(u & 1n);
  }

  /** Zigzag (sint32) varint. */
  sint32(): number {
    const u = this.uint64();
    return Number((u >> 1n) ^ -(u & 1n));
  }

  bool(): boolean {
    return this.uint() !== 0;
  }

  double(): number {
    if (this.pos + 8 > this.end) this.fail('truncated double');
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const len = this.uint();
    if (len > this.end - this.pos) this.fail(`field length ${len} runs past the message end`);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytes());
  }

  /** A nested message: a reader over its bytes. */
  message(what: string): ProtoReader {
    const b = this.bytes();
    return new ProtoReader(b, `${this.what} ${what}`);
  }

  /** Repeated uint32/uint64 (packed or not), appended to `out`. */
  packedUints(wire: number, out: number[]): void {
    if (wire === LEN) {
      const b = this.bytes();
      const r = new ProtoReader(b, this.what);
      while (r.more()) out.push(r.uint());
    } else out.push(this.uint());
  }

  skip(wire: number): void {
    switch (wire) {
      case VARINT:
        this.uint64();
        return;
      case FIXED64:
        if (this.pos + 8 > this.end) this.fail('truncated fixed64');
        this.pos += 8;
        return;
      case LEN:
        this.bytes();
        return;
      case FIXED32:
        if (this.pos + 4 > this.end) this.fail('truncated fixed32');
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wire}`);
    }
  }
}

/** A minimal protobuf writer (growable buffer). */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }

  private rawVarint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }

  private rawVarintBig(v: bigint): void {
    this.ensure(10);
    let u = v & MASK64;
    while (u >= 0x80n) {
      this.buf[this.len++] = Number(u & 0x7fn) | 0x80;
      u >>= 7n;
    }
    this.buf[this.len++] = Number(u);
  }

  private key(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  uint(field: number, v: number | undefined): this {
    if (v === undefined) return this;
    this.key(field, VARINT);
    this.rawVarint(v);
    return this;
  }

  uint64(field: number, v: bigint | undefined): this {
    if (v === undefined) return this;
    this.key(field, VARINT);
    this.rawVarintBig(v);
    return this;
  }

  sint64(field: number, v: bigint | undefined): this {
    if (v === undefined) return this;
    this.key(field, VARINT);
    const z = ((v << 1n) ^ (v >> 63n)) & MASK64;
    this.rawVarintBig(z);
    return this;
  }

  sint32(field: number, v: number | undefined): this {
    return v === undefined ? this : this.sint64(field, BigInt(v));
  }

  bool(field: number, v: boolean | undefined): this {
    return v === undefined ? this : this.uint(field, v ? 1 : 0);
  }

  double(field: number, v: number | undefined): this {
    if (v === undefined) return this;
    this.key(field, FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setFloat64(0, v, true);
    this.len += 8;
    return this;
  }

  bytes(field: number, v: Uint8Array | undefined): this {
    if (v === undefined) return this;
    this.key(field, LEN);
    this.rawVarint(v.length);
    this.ensure(v.length);
    this.buf.set(v, this.len);
    this.len += v.length;
    return this;
  }

  string(field: number, v: string | undefined): this {
    return v === undefined ? this : this.bytes(field, new TextEncoder().encode(v));
  }

  message(field: number, w: ProtoWriter | undefined): this {
    return w === undefined ? this : this.bytes(field, w.finish());
  }

  packedUints(field: number, vs: readonly number[] | undefined): this {
    if (!vs || vs.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of vs) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  packedUint64s(field: number, vs: readonly bigint[] | undefined): this {
    if (!vs || vs.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of vs) inner.rawVarintBig(v);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export { TWO_32 };
