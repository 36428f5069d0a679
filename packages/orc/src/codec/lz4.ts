/**
 * LZ4 block format (no frame), as ORC uses it. Decoding is our own so every copy is bounds-checked (the
 * `lz4js` decoder writes past nothing but silently reads garbage on corrupt input); encoding uses `lz4js`.
 */
import { createRequire } from 'node:module';

interface Lz4js {
  compressBound(n: number): number;
  compressBlock(
    src: Uint8Array,
    dst: Uint8Array,
    sIndex: number,
    sLength: number,
    hashTable: Uint32Array,
  ): number;
}

const lz4js = createRequire(import.meta.url)('lz4js') as Lz4js;

/** Decompresses one LZ4 block of at most `maxOutput` bytes. */
export function lz4Decompress(src: Uint8Array, maxOutput: number): Uint8Array {
  const dst = new Uint8Array(maxOutput);
  let s = 0;
  let d = 0;
  const end = src.length;
  while (s < end) {
    const token = src[s++]!;
    let lit = token >> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('corrupt lz4 block: truncated literal length');
        b = src[s++]!;
        lit += b;
      } while (b === 255);
    }
    if (s + lit > end || d + lit > maxOutput) throw new Error('corrupt lz4 block: literals out of bounds');
    dst.set(src.subarray(s, s + lit), d);
    s += lit;
    d += lit;
    if (s >= end) break; // the last sequence has literals only
    if (s + 2 > end) throw new Error('corrupt lz4 block: truncated offset');
    const offset = src[s]! | (src[s + 1]! << 8);
    s += 2;
    if (offset === 0 || offset > d) throw new Error('corrupt lz4 block: bad match offset');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (s >= end) throw new Error('corrupt lz4 block: truncated match length');
        b = src[s++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (d + len > maxOutput) throw new Error('corrupt lz4 block: output larger than the block size');
    let m = d - offset;
    for (let i = 0; i < len; i++) dst[d++] = dst[m++]!;
  }
  return dst.subarray(0, d);
}

/** Compresses `src` as one LZ4 block. */
export function lz4Compress(src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(lz4js.compressBound(src.length));
  const n = lz4js.compressBlock(src, dst, 0, src.length, new Uint32Array(1 << 16));
  // lz4js returns 0 when it found no match: the caller then stores the chunk uncompressed.
  return n === 0 ? src : dst.subarray(0, n);
}
