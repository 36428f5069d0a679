import { OrcFormatError } from '../errors.js';

const MASK64 = 0xffffffffffffffffn;

/** Sequential reader over one decompressed stream; every read is bounds-checked. */
export class ByteReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly where: string,
  ) {}

  fail(msg: string): never {
    throw new OrcFormatError(`${this.where}: ${msg}`);
  }

  byte(): number {
    if (this.pos >= this.buf.length) this.fail('stream ended early');
    return this.buf[this.pos++]!;
  }

  remaining(): number {
    return this.buf.length - this.pos;
  }

  /** Unsigned base-128 varint as a number (exact to 2^53). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Unsigned base-128 varint as a 64-bit bigint. */
  varintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      // A mask, not BigInt.asUintN: V8 (Node 20) can crash optimizing asUintN results that meet
      // signed 64-bit uses ("Phi of kRepTagged (UnsignedBigInt64) cannot be changed to kRepWord64").
      if (b < 0x80) return result & MASK64;
      shift += 7n;
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** Unbounded zigzag varint (decimal DATA stream), capped at 128 bits of payload. */
  bigVarintZigzag(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 20; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return (result >> 1n) ^ -(result & 1n);
      shift += 7n;
    }
    return this.fail('decimal value longer than 140 bits');
  }

  bytes(n: number): Uint8Array {
    if (n > this.remaining()) this.fail(`needs ${n} bytes, ${this.remaining()} left`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

export function unzigzag(u: number): number {
  return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
}

export function unzigzagBig(u: bigint): bigint {
  return BigInt.asIntN(64, (u >> 1n) ^ -(u & 1n));
}
