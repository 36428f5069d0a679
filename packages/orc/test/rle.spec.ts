import { describe, expect, it } from 'vitest';
import { ByteReader } from '../src/rle/byte-reader.js';
import { readBoolRle, readByteRle } from '../src/rle/byte-rle.js';
import { intDecoder } from '../src/rle/int-rle.js';
import { encodeBoolRle, encodeByteRle, encodeIntV2, encodeIntV2Big } from '../src/writer/encoders.js';

/** Small deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sequences(signed: boolean): number[][] {
  const r = rng(42);
  const out: number[][] = [[], [0], [5, 5], [1, 1, 1], Array(600).fill(signed ? -7 : 7), Array(11).fill(3)];
  const maxBits = [1, 3, 8, 13, 20, 31, 40, 51];
  for (let s = 0; s < 60; s++) {
    const n = 1 + Math.floor(r() * 1500);
    const bits = maxBits[s % maxBits.length]!;
    const seq: number[] = [];
    let x = Math.floor(r() * 1000);
    for (let k = 0; k < n; k++) {
      const mode = Math.floor(r() * 4);
      if (mode === 0)
        seq.push(x); // repeats
      else if (mode === 1)
        seq.push((x += Math.floor(r() * 10))); // monotonic
      else seq.push(Math.floor(r() * 2 ** bits) * (signed && r() < 0.5 ? -1 : 1));
      if (!signed && seq[seq.length - 1]! < 0) seq[seq.length - 1] = -seq[seq.length - 1]!;
    }
    out.push(seq);
  }
  return out;
}

describe('integer RLE v2', () => {
  for (const signed of [true, false]) {
    it(`round-trips numbers (${signed ? 'signed' : 'unsigned'})`, () => {
      for (const seq of sequences(signed)) {
        const bytes = encodeIntV2(seq, seq.length, signed).finish();
        const out = new Float64Array(seq.length);
        intDecoder(new ByteReader(bytes, 'test'), signed, true).numbers(seq.length, out);
        expect(Array.from(out)).toEqual(seq.map((x) => x + 0));
      }
    });
  }

  it('uses patched base for outliers, and decodes it', () => {
    const r = rng(5);
    let patched = 0;
    for (let s = 0; s < 200; s++) {
      const n = 16 + Math.floor(r() * 600);
      const signed = s % 2 === 0;
      const base = signed ? Math.floor(r() * 2000) - 1000 : Math.floor(r() * 1000);
      const seq = Array.from({ length: n }, () =>
        r() < 0.02 ? base + Math.floor(r() * 2 ** (20 + (s % 30))) : base + Math.floor(r() * 16),
      );
      const bytes = encodeIntV2(seq, n, signed).finish();
      if ((bytes[0]! & 0xc0) === 0x80) patched++;
      const out = new Float64Array(n);
      intDecoder(new ByteReader(bytes, 'test'), signed, true).numbers(n, out);
      expect(Array.from(out)).toEqual(seq);
      const big = new BigInt64Array(n);
      intDecoder(new ByteReader(bytes, 'test'), signed, true).bigints(n, big);
      expect(Array.from(big, Number)).toEqual(seq);
    }
    expect(patched).toBeGreaterThan(50);
  });

  it('round-trips full-range 64-bit values', () => {
    const r = rng(7);
    const vals = new BigInt64Array(2000);
    for (let k = 0; k < vals.length; k++)
      vals[k] = BigInt.asIntN(
        64,
        (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | BigInt(Math.floor(r() * 2 ** 32)),
      );
    vals[5] = -(2n ** 63n);
    vals[6] = 2n ** 63n - 1n;
    const bytes = encodeIntV2Big(vals, vals.length, true);
    const out = new BigInt64Array(vals.length);
    intDecoder(new ByteReader(bytes, 'test'), true, true).bigints(vals.length, out);
    expect(out).toEqual(vals);
  });

  it('decodes the patched base example of the ORC specification', () => {
    // From the spec: 2030, 2000, 2020, 1000000, 2040, ... (20 values)
    const bytes = Uint8Array.from([
      0x8e, 0x13, 0x2b, 0x21, 0x07, 0xd0, 0x1e, 0x00, 0x14, 0x70, 0x28, 0x32, 0x3c, 0x46, 0x50, 0x5a, 0x64,
      0x6e, 0x78, 0x82, 0x8c, 0x96, 0xa0, 0xaa, 0xb4, 0xbe, 0xfc, 0xe8,
    ]);
    const out = new Float64Array(20);
    intDecoder(new ByteReader(bytes, 'test'), false, true).numbers(20, out);
    expect(Array.from(out)).toEqual([
      2030, 2000, 2020, 1000000, 2040, 2050, 2060, 2070, 2080, 2090, 2100, 2110, 2120, 2130, 2140, 2150, 2160,
      2170, 2180, 2190,
    ]);
  });

  it('fails cleanly on truncated input', () => {
    const bytes = encodeIntV2([1, 99, 3, 1000, 5], 5, true).finish();
    expect(() =>
      intDecoder(new ByteReader(bytes.subarray(0, 3), 'x'), true, true).numbers(5, new Float64Array(5)),
    ).toThrow(/x: stream ended early/);
  });
});

describe('integer RLE v1', () => {
  it('decodes runs and literals', () => {
    // spec examples: [0x61, 0x00, 0x07] = 100 × 7; [0x61, 0xff, 0x64] = 100, 99, ..., 1
    const out = new Float64Array(100);
    intDecoder(new ByteReader(Uint8Array.from([0x61, 0x00, 0x07]), 't'), false, false).numbers(100, out);
    expect(out.every((x) => x === 7)).toBe(true);
    intDecoder(new ByteReader(Uint8Array.from([0x61, 0xff, 0x64]), 't'), false, false).numbers(100, out);
    expect(out[0]).toBe(100);
    expect(out[99]).toBe(1);
    const lit = new Float64Array(5);
    intDecoder(
      new ByteReader(Uint8Array.from([0xfb, 0x02, 0x03, 0x06, 0x07, 0x0b]), 't'),
      false,
      false,
    ).numbers(5, lit);
    expect(Array.from(lit)).toEqual([2, 3, 6, 7, 11]);
  });
});

describe('byte and boolean RLE', () => {
  it('round-trip', () => {
    const r = rng(3);
    for (let s = 0; s < 30; s++) {
      const n = Math.floor(r() * 3000);
      const bytes = Uint8Array.from({ length: n }, () => (r() < 0.5 ? 9 : Math.floor(r() * 256)));
      expect(readByteRle(new ByteReader(encodeByteRle(bytes, n).finish(), 't'), n)).toEqual(bytes);
      const bits = Uint8Array.from({ length: n }, () => (r() < 0.7 ? 1 : 0));
      expect(readBoolRle(new ByteReader(encodeBoolRle(bits, n), 't'), n)).toEqual(bits);
    }
  });
});
