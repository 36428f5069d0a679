import { ByteReader } from './byte-reader.js';

/**
 * Byte run-length decoding (ORC "Byte Run Length Encoding"): a header byte 0..127 means a run of
 * header+3 copies of the next byte; 128..255 means 256-header literal bytes follow.
 */
export function readByteRle<T extends Uint8Array | Int8Array = Uint8Array>(
  r: ByteReader,
  n: number,
  out: T = new Uint8Array(n) as T,
): T {
  let i = 0;
  while (i < n) {
    const h = r.byte();
    if (h < 128) {
      const len = h + 3;
      const v = r.byte();
      if (i + len > n) r.fail(`byte run of ${len} passes the ${n} values expected`);
      out.fill(v, i, i + len); // Int8Array.fill wraps 128..255 to negative, as wanted
      i += len;
    } else {
      const len = 256 - h;
      if (i + len > n) r.fail(`byte literals (${len}) pass the ${n} values expected`);
      const bytes = r.bytes(len);
      for (let k = 0; k < len; k++) out[i++] = bytes[k]!;
    }
  }
  return out;
}

/**
 * Boolean decoding: byte RLE of bytes whose bits (most significant first) are the values. Returns one
 * byte (0 or 1) per value.
 */
export function readBoolRle(r: ByteReader, n: number): Uint8Array {
  const bytes = readByteRleLoose(r, Math.ceil(n / 8));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (bytes[i >> 3]! >> (7 - (i & 7))) & 1;
  return out;
}

/**
 * Like readByteRle, but a run may go past `n` (boolean streams pad the last byte, and writers may end a
 * run beyond what one stripe's reader needs).
 */
function readByteRleLoose(r: ByteReader, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let i = 0;
  while (i < n) {
    const h = r.byte();
    if (h < 128) {
      const len = h + 3;
      const v = r.byte();
      out.fill(v, i, Math.min(n, i + len));
      i += len;
    } else {
      const len = 256 - h;
      const bytes = r.bytes(len);
      for (let k = 0; k < len && i < n; k++) out[i++] = bytes[k]!;
    }
  }
  return out;
}
