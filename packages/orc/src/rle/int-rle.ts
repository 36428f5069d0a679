/**
 * Integer run-length decoding, versions 1 and 2 (all four v2 sub-encodings: short repeat, direct,
 * patched base, delta). Two flavours share the run parsing: `numbers` (exact for values within ±2^53, used
 * for every column type up to 32 bits, lengths, dictionary ids, scales and timestamp parts) and `bigints`
 * (exact 64-bit, used for LONG and decimal64). Every run is checked against the number of values the caller
 * expects, so a corrupt header fails instead of writing past the output.
 */
import { ByteReader, unzigzag, unzigzagBig } from './byte-reader.js';

export interface IntDecoder {
  /** Reads `n` values into `out[0..n)`. */
  numbers(n: number, out: { [i: number]: number; length: number }): void;
  /** Reads `n` values as exact 64-bit integers into `out[0..n)`. */
  bigints(n: number, out: BigInt64Array): void;
}

/** Creates the decoder for an integer stream. */
export function intDecoder(r: ByteReader, signed: boolean, v2: boolean): IntDecoder {
  return v2 ? new RleV2(r, signed) : new RleV1(r, signed);
}

const WIDTHS = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 32, 40,
  48, 56, 64,
];

export function decodeWidth(code: number): number {
  return WIDTHS[code & 31]!;
}

export function closestFixedBits(n: number): number {
  if (n === 0) return 1;
  if (n <= 24) return n;
  if (n <= 26) return 26;
  if (n <= 28) return 28;
  if (n <= 30) return 30;
  if (n <= 32) return 32;
  if (n <= 40) return 40;
  if (n <= 48) return 48;
  if (n <= 56) return 56;
  return 64;
}

class RleV1 implements IntDecoder {
  constructor(
    private r: ByteReader,
    private signed: boolean,
  ) {}

  numbers(n: number, out: { [i: number]: number; length: number }): void {
    const r = this.r;
    let i = 0;
    while (i < n) {
      const h = r.byte();
      if (h < 128) {
        const len = h + 3;
        const delta = (r.byte() << 24) >> 24;
        const raw = r.varint();
        const base = this.signed ? unzigzag(raw) : raw;
        if (i + len > n) r.fail(`integer run of ${len} passes the ${n} values expected`);
        for (let k = 0; k < len; k++) out[i++] = base + k * delta;
      } else {
        const len = 256 - h;
        if (i + len > n) r.fail(`integer literals (${len}) pass the ${n} values expected`);
        for (let k = 0; k < len; k++) {
          const raw = r.varint();
          out[i++] = this.signed ? unzigzag(raw) : raw;
        }
      }
    }
  }

  bigints(n: number, out: BigInt64Array): void {
    const r = this.r;
    let i = 0;
    while (i < n) {
      const h = r.byte();
      if (h < 128) {
        const len = h + 3;
        const delta = BigInt((r.byte() << 24) >> 24);
        const raw = r.varintBig();
        const base = this.signed ? unzigzagBig(raw) : raw;
        if (i + len > n) r.fail(`integer run of ${len} passes the ${n} values expected`);
        for (let k = 0; k < len; k++) out[i++] = BigInt.asIntN(64, base + BigInt(k) * delta);
      } else {
        const len = 256 - h;
        if (i + len > n) r.fail(`integer literals (${len}) pass the ${n} values expected`);
        for (let k = 0; k < len; k++) {
          const raw = r.varintBig();
          out[i++] = this.signed ? unzigzagBig(raw) : BigInt.asIntN(64, raw);
        }
      }
    }
  }
}

/** Reads big-endian bit-packed values; a run always starts on a byte boundary. */
class Bits {
  private cur = 0;
  private left = 0;
  constructor(private r: ByteReader) {}

  reset(): void {
    this.left = 0;
  }

  /** Reads up to 48 bits as a number. */
  read(width: number): number {
    let v = 0;
    let need = width;
    while (need > 0) {
      if (this.left === 0) {
        this.cur = this.r.byte();
        this.left = 8;
      }
      const take = need < this.left ? need : this.left;
      const bits = (this.cur >>> (this.left - take)) & ((1 << take) - 1);
      v = v * (1 << take) + bits;
      need -= take;
      this.left -= take;
    }
    return v;
  }

  /** Reads up to 64 bits as an unsigned bigint. */
  readBig(width: number): bigint {
    if (width <= 48) return BigInt(this.read(width));
    const hi = this.read(width - 32);
    const lo = this.read(32);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}

class RleV2 implements IntDecoder {
  private bits: Bits;
  constructor(
    private r: ByteReader,
    private signed: boolean,
  ) {
    this.bits = new Bits(r);
  }

  private runLength(h: number): number {
    return (((h & 1) << 8) | this.r.byte()) + 1;
  }

  private beBytes(w: number): number {
    let v = 0;
    for (let k = 0; k < w; k++) v = v * 256 + this.r.byte();
    return v;
  }

  private beBytesBig(w: number): bigint {
    let v = 0n;
    for (let k = 0; k < w; k++) v = (v << 8n) | BigInt(this.r.byte());
    return v;
  }

  numbers(n: number, out: { [i: number]: number; length: number }): void {
    const r = this.r;
    const bits = this.bits;
    const signed = this.signed;
    let i = 0;
    while (i < n) {
      const h = r.byte();
      const enc = h >>> 6;
      bits.reset();
      if (enc === 0) {
        // short repeat
        const w = ((h >>> 3) & 7) + 1;
        const count = (h & 7) + 3;
        const raw = this.beBytes(w);
        const v = signed ? unzigzag(raw) : raw;
        if (i + count > n) r.fail(`short repeat of ${count} passes the ${n} values expected`);
        for (let k = 0; k < count; k++) out[i++] = v;
      } else if (enc === 1) {
        // direct
        const width = decodeWidth((h >>> 1) & 31);
        const len = this.runLength(h);
        if (i + len > n) r.fail(`direct run of ${len} passes the ${n} values expected`);
        if (width > 48) {
          for (let k = 0; k < len; k++) {
            const u = bits.readBig(width);
            out[i++] = Number(signed ? unzigzagBig(u) : BigInt.asIntN(64, u));
          }
        } else {
          for (let k = 0; k < len; k++) {
            const u = bits.read(width);
            out[i++] = signed ? unzigzag(u) : u;
          }
        }
      } else if (enc === 2) {
        // patched base
        const vals = this.patched(h, n - i, false) as number[];
        for (const v of vals) out[i++] = v;
      } else {
        // delta
        const fbo = (h >>> 1) & 31;
        const width = fbo === 0 ? 0 : decodeWidth(fbo);
        const len = this.runLength(h);
        if (i + len > n) r.fail(`delta run of ${len} passes the ${n} values expected`);
        const raw = r.varint();
        let prev = signed ? unzigzag(raw) : raw;
        const deltaBase = unzigzag(r.varint());
        out[i++] = prev;
        if (width === 0) {
          for (let k = 1; k < len; k++) out[i++] = prev += deltaBase;
        } else {
          if (len < 2) r.fail('delta run shorter than 2 values');
          out[i++] = prev += deltaBase;
          const neg = deltaBase < 0;
          for (let k = 2; k < len; k++) {
            const d = width > 48 ? Number(bits.readBig(width)) : bits.read(width);
            out[i++] = prev = neg ? prev - d : prev + d;
          }
        }
      }
    }
  }

  bigints(n: number, out: BigInt64Array): void {
    const r = this.r;
    const bits = this.bits;
    const signed = this.signed;
    let i = 0;
    while (i < n) {
      const h = r.byte();
      const enc = h >>> 6;
      bits.reset();
      if (enc === 0) {
        const w = ((h >>> 3) & 7) + 1;
        const count = (h & 7) + 3;
        const raw = this.beBytesBig(w);
        const v = signed ? unzigzagBig(raw) : BigInt.asIntN(64, raw);
        if (i + count > n) r.fail(`short repeat of ${count} passes the ${n} values expected`);
        out.fill(v, i, i + count);
        i += count;
      } else if (enc === 1) {
        const width = decodeWidth((h >>> 1) & 31);
        const len = this.runLength(h);
        if (i + len > n) r.fail(`direct run of ${len} passes the ${n} values expected`);
        for (let k = 0; k < len; k++) {
          if (width <= 48) {
            const u = bits.read(width);
            out[i++] = BigInt(signed ? unzigzag(u) : u);
          } else {
            const u = bits.readBig(width);
            out[i++] = signed ? unzigzagBig(u) : BigInt.asIntN(64, u);
          }
        }
      } else if (enc === 2) {
        const vals = this.patched(h, n - i, true) as bigint[];
        for (const v of vals) out[i++] = v;
      } else {
        const fbo = (h >>> 1) & 31;
        const width = fbo === 0 ? 0 : decodeWidth(fbo);
        const len = this.runLength(h);
        if (i + len > n) r.fail(`delta run of ${len} passes the ${n} values expected`);
        const raw = r.varintBig();
        let prev = signed ? unzigzagBig(raw) : BigInt.asIntN(64, raw);
        const deltaBase = unzigzagBig(r.varintBig());
        out[i++] = prev;
        if (width === 0) {
          for (let k = 1; k < len; k++) out[i++] = prev = BigInt.asIntN(64, prev + deltaBase);
        } else {
          if (len < 2) r.fail('delta run shorter than 2 values');
          out[i++] = prev = BigInt.asIntN(64, prev + deltaBase);
          const neg = deltaBase < 0n;
          for (let k = 2; k < len; k++) {
            const d = bits.readBig(width);
            out[i++] = prev = BigInt.asIntN(64, neg ? prev - d : prev + d);
          }
        }
      }
    }
  }

  /** Patched base run: base (sign-magnitude), packed values, then patches of their high bits. */
  private patched(h: number, room: number, big: boolean): number[] | bigint[] {
    const r = this.r;
    const bits = this.bits;
    const width = decodeWidth((h >>> 1) & 31);
    const len = this.runLength(h);
    if (len > room) r.fail(`patched base run of ${len} passes the values expected`);
    const b3 = r.byte();
    const bw = ((b3 >>> 5) & 7) + 1;
    const pw = decodeWidth(b3 & 31);
    const b4 = r.byte();
    const pgw = ((b4 >>> 5) & 7) + 1;
    const pll = b4 & 31;
    if (pw + pgw > 64) r.fail('patched base run: patch width + gap width exceed 64 bits');
    let base = this.beBytesBig(bw);
    const msb = 1n << BigInt(bw * 8 - 1);
    if (base & msb) base = -(base & ~msb);
    const vals: bigint[] = new Array(len);
    for (let k = 0; k < len; k++) vals[k] = bits.readBig(width);
    bits.reset();
    const cfb = closestFixedBits(pw + pgw);
    const pmask = (1n << BigInt(pw)) - 1n;
    let idx = 0;
    for (let p = 0; p < pll; p++) {
      const entry = bits.readBig(cfb);
      const gap = Number(entry >> BigInt(pw));
      const patch = entry & pmask;
      idx += gap;
      if (gap === 255 && patch === 0n) continue;
      if (idx >= len) r.fail('patched base run: patch position out of range');
      vals[idx] = vals[idx]! | (patch << BigInt(width));
    }
    if (big) return vals.map((v) => BigInt.asIntN(64, base + v));
    return vals.map((v) => Number(BigInt.asIntN(64, base + v)));
  }
}
