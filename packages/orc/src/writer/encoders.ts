/**
 * Run-length encoders: byte RLE, boolean RLE and integer RLE v2 (short repeat, direct, delta and patched
 * base, chosen per stretch of values by whichever is smallest).
 */
import { closestFixedBits } from '../rle/int-rle.js';
import { ByteSink } from './sink.js';

/** Byte RLE of `n` bytes. */
export function encodeByteRle(values: ArrayLike<number>, n: number, out = new ByteSink(n + 16)): ByteSink {
  let i = 0;
  while (i < n) {
    // Find a run of identical bytes.
    let run = 1;
    const v = values[i]! & 0xff;
    while (i + run < n && run < 130 && (values[i + run]! & 0xff) === v) run++;
    if (run >= 3) {
      out.byte(run - 3);
      out.byte(v);
      i += run;
      continue;
    }
    // Literals until a run of 3 starts (at most 128).
    let j = i;
    while (j < n && j - i < 128) {
      if (
        j + 2 < n &&
        (values[j]! & 0xff) === (values[j + 1]! & 0xff) &&
        (values[j]! & 0xff) === (values[j + 2]! & 0xff)
      )
        break;
      j++;
    }
    out.byte(256 - (j - i));
    for (let k = i; k < j; k++) out.byte(values[k]! & 0xff);
    i = j;
  }
  return out;
}

/** Boolean RLE of `n` 0/1 values (bits most significant first, then byte RLE). */
export function encodeBoolRle(values: ArrayLike<number>, n: number): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) if (values[i]) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return encodeByteRle(bytes, bytes.length).finish();
}

const WIDTH_CODE = new Map<number, number>();
[
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28, 30, 32, 40,
  48, 56, 64,
].forEach((w, i) => WIDTH_CODE.set(w, i));

function bitsFor(v: number): number {
  // v is a non-negative safe integer
  if (v === 0) return 0;
  if (v < 2 ** 31) return 32 - Math.clz32(v);
  return 31 + bitsFor(Math.floor(v / 2 ** 31));
}

const zz = (v: number) => (v < 0 ? -2 * v - 1 : 2 * v);

class BitWriter {
  private acc = 0; // pending bits, fewer than 8 after each write
  private bits = 0;
  constructor(private out: ByteSink) {}
  /** Appends the low `width` bits of `v` (v < 2^53, width ≤ 64), most significant first. */
  write(v: number, width: number): void {
    if (width > 24) {
      if (width > 32) {
        this.write(Math.floor(v / 4294967296), width - 32);
        v = v >>> 0;
        width = 32;
      }
      // split into two halves of at most 16 bits so the accumulator stays within 32 bits
      const lowBits = 16;
      this.write(Math.floor(v / 65536) & ((1 << (width - lowBits)) - 1), width - lowBits);
      this.write(v & 0xffff, lowBits);
      return;
    }
    const out = this.out;
    out.ensure(4);
    let acc = ((this.acc << width) | (v & ((1 << width) - 1))) >>> 0;
    let bits = this.bits + width;
    while (bits >= 8) {
      bits -= 8;
      out.buf[out.len++] = (acc >>> bits) & 0xff;
    }
    acc &= (1 << bits) - 1;
    this.acc = acc;
    this.bits = bits;
  }
  flush(): void {
    if (this.bits > 0) {
      this.out.byte((this.acc << (8 - this.bits)) & 0xff);
      this.acc = 0;
      this.bits = 0;
    }
  }
}

/**
 * Integer RLE v2 of `n` integers with |v| < 2^52 (so zigzag stays exact in doubles).
 * Stretches where a few outliers would widen a direct run use patched base. Runs of equal values become short repeats (3–10) or
 * fixed deltas; other stretches become delta runs when monotonic and smaller, else direct runs.
 */
export function encodeIntV2(
  values: ArrayLike<number>,
  n: number,
  signed: boolean,
  out = new ByteSink(n + 16),
): ByteSink {
  const bw = new BitWriter(out);
  let i = 0;
  while (i < n) {
    const v = values[i]!;
    let run = 1;
    while (i + run < n && run < 512 && values[i + run] === v) run++;
    if (run >= 3) {
      const u = signed ? zz(v) : v;
      if (run <= 10) {
        const w = Math.max(1, Math.ceil(bitsFor(u) / 8));
        out.byte(((w - 1) << 3) | (run - 3));
        for (let k = w - 1; k >= 0; k--) out.byte(Math.floor(u / 2 ** (8 * k)) & 0xff);
      } else {
        // delta run with a zero fixed delta
        out.byte(0xc0 | ((run - 1) >> 8));
        out.byte((run - 1) & 0xff);
        out.varint(u);
        out.byte(0); // zigzag(0)
      }
      i += run;
      continue;
    }
    // Literal stretch: up to 512 values, ending before a run of 3 equal values.
    let j = i;
    while (j < n && j - i < 512) {
      if (j + 2 < n && values[j] === values[j + 1] && values[j] === values[j + 2]) break;
      j++;
    }
    writeLiterals(values, i, j - i, signed, out, bw);
    i = j;
  }
  return out;
}

function writeLiterals(
  values: ArrayLike<number>,
  start: number,
  len: number,
  signed: boolean,
  out: ByteSink,
  bw: BitWriter,
) {
  // Direct width.
  let maxZ = 0;
  for (let k = 0; k < len; k++) {
    const v = values[start + k]!;
    const u = signed ? zz(v) : v;
    if (u > maxZ) maxZ = u;
  }
  const directWidth = closestFixedBits(Math.max(1, bitsFor(maxZ)));
  const directBytes = Math.ceil((len * directWidth) / 8);
  // Delta: monotonic, with deltas fitting a safe integer.
  if (len >= 3) {
    const first = values[start + 1]! - values[start]!;
    let inc = first >= 0;
    let dec = first <= 0;
    let maxD = 0;
    let fixed = true;
    for (let k = 2; k < len; k++) {
      const d = values[start + k]! - values[start + k - 1]!;
      if (d > 0) dec = false;
      if (d < 0) inc = false;
      if (d !== first) fixed = false;
      const a = Math.abs(d);
      if (a > maxD) maxD = a;
    }
    // Readers take the direction from the first delta's sign, so a zero first delta must mean increasing.
    if ((inc || (dec && first !== 0)) && Math.abs(first) < 2 ** 51 && maxD <= Number.MAX_SAFE_INTEGER) {
      // Width 0 means every delta equals the first; width code 0 is taken by that, so 1 becomes 2.
      let w = fixed ? 0 : closestFixedBits(bitsFor(maxD));
      if (w === 1) w = 2;
      const deltaBytes = Math.ceil(((len - 2) * w) / 8) + 10;
      if (deltaBytes < directBytes) {
        const code = w === 0 ? 0 : WIDTH_CODE.get(w)!;
        out.byte(0xc0 | (code << 1) | ((len - 1) >> 8));
        out.byte((len - 1) & 0xff);
        const base = values[start]!;
        out.varint(signed ? zz(base) : base);
        out.varint(zz(first));
        if (w > 0) {
          for (let k = 2; k < len; k++) bw.write(Math.abs(values[start + k]! - values[start + k - 1]!), w);
          bw.flush();
        }
        return;
      }
    }
  }
  if (len >= 16 && tryPatchedBase(values, start, len, directBytes, out, bw)) return;
  const code = WIDTH_CODE.get(directWidth)!;
  out.byte(0x40 | (code << 1) | ((len - 1) >> 8));
  out.byte((len - 1) & 0xff);
  for (let k = 0; k < len; k++) {
    const v = values[start + k]!;
    bw.write(signed ? zz(v) : v, directWidth);
  }
  bw.flush();
}

// Zigzag doubles magnitudes, so the number path is exact only below 2^52.
const SAFE = 2n ** 52n - 1n;

/**
 * Patched base: values minus their minimum, packed at the width that covers 95% of them; the high bits of
 * the few wider values go into a patch list (at most 31 entries). Written only when smaller than direct.
 */
function tryPatchedBase(
  values: ArrayLike<number>,
  start: number,
  len: number,
  directBytes: number,
  out: ByteSink,
  bw: BitWriter,
): boolean {
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < len; k++) {
    const v = values[start + k]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (max - min >= 2 ** 52) return false;
  // Histogram of the bit widths of (v - min).
  const hist = new Array<number>(54).fill(0);
  for (let k = 0; k < len; k++) hist[bitsFor(values[start + k]! - min)]!++;
  let covered = 0;
  let p95 = 0;
  for (let b = 0; b < hist.length; b++) {
    covered += hist[b]!;
    if (covered >= Math.ceil(len * 0.95)) {
      p95 = b;
      break;
    }
  }
  const w = closestFixedBits(Math.max(1, p95));
  const maxBits = bitsFor(max - min);
  if (maxBits <= w) return false;
  const pw = closestFixedBits(maxBits - w);
  // Patch entries, with filler entries (gap 255, patch 0) for gaps over 255.
  const entries: Array<[number, number]> = [];
  let prev = 0;
  let maxGap = 0;
  const limit = 2 ** w;
  for (let k = 0; k < len; k++) {
    const r = values[start + k]! - min;
    if (r < limit) continue;
    let gap = k - prev;
    while (gap > 255) {
      entries.push([255, 0]);
      gap -= 255;
    }
    if (gap > maxGap) maxGap = gap;
    entries.push([gap, Math.floor(r / limit)]);
    prev = k;
    if (entries.length > 31) return false;
  }
  if (entries.some(([g, p]) => g === 255 && p === 0)) maxGap = 255;
  const pgw = Math.max(1, bitsFor(maxGap));
  if (pgw > 8 || pgw + pw > 64) return false;
  const cfb = closestFixedBits(pgw + pw);
  const baseMag = Math.abs(min);
  const bwBytes = Math.ceil((bitsFor(baseMag) + 1) / 8);
  if (bwBytes > 8) return false;
  const patchedBytes = 4 + bwBytes + Math.ceil((len * w) / 8) + Math.ceil((entries.length * cfb) / 8);
  if (patchedBytes >= directBytes) return false;
  out.byte(0x80 | (WIDTH_CODE.get(w)! << 1) | ((len - 1) >> 8));
  out.byte((len - 1) & 0xff);
  out.byte(((bwBytes - 1) << 5) | WIDTH_CODE.get(pw)!);
  out.byte(((pgw - 1) << 5) | entries.length);
  // Base: big-endian, sign-magnitude (top bit of the first byte is the sign).
  for (let b = bwBytes - 1; b >= 0; b--) {
    let byte = Math.floor(baseMag / 2 ** (8 * b)) & 0xff;
    if (b === bwBytes - 1 && min < 0) byte |= 0x80;
    out.byte(byte);
  }
  for (let k = 0; k < len; k++) bw.write((values[start + k]! - min) % limit, w);
  bw.flush();
  for (const [gap, patch] of entries) {
    // gap in the top pgw bits, patch in the low pw bits, the entry padded to cfb bits
    bw.write(gap, cfb - pw);
    bw.write(patch, pw);
  }
  bw.flush();
  return true;
}

/**
 * Integer RLE v2 of 64-bit values. Values within ±2^53 go through encodeIntV2; otherwise direct runs of
 * zigzagged 64-bit values are written (valid RLE v2, just not the tightest).
 */
export function encodeIntV2Big(values: BigInt64Array, n: number, signed: boolean): Uint8Array {
  let safe = true;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v > SAFE || v < -SAFE) {
      safe = false;
      break;
    }
  }
  if (safe) {
    const nums = new Float64Array(n);
    for (let i = 0; i < n; i++) nums[i] = Number(values[i]!);
    return encodeIntV2(nums, n, signed).finish();
  }
  const out = new ByteSink(n * 8 + 16);
  for (let i = 0; i < n; i += 512) {
    const len = Math.min(512, n - i);
    out.byte(0x40 | (31 << 1) | ((len - 1) >> 8));
    out.byte((len - 1) & 0xff);
    for (let k = 0; k < len; k++) {
      const v = values[i + k]!;
      // Masks rather than BigInt.asUintN, which V8 in Node 20 can miscompile (see ByteReader.varintBig).
      let u = (signed ? (v << 1n) ^ (v >> 63n) : v) & 0xffffffffffffffffn;
      const bytes = new Uint8Array(8);
      for (let b = 7; b >= 0; b--) {
        bytes[b] = Number(u & 0xffn);
        u >>= 8n;
      }
      out.bytes(bytes);
    }
  }
  return out.finish();
}
