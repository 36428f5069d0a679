import * as crypto from 'node:crypto';
import type { Hash } from 'node:crypto';
import { TAG_BIGINT, TAG_NUMBER, TAG_STRING, TAG_STRING_UTF16 } from './tags.js';

/** Scratch buffer size: big enough that the hash sees few large updates, small enough to stay in cache. */
const CHUNK = 64 * 1024;
/** Byte views at least this long bypass the scratch buffer and go to the hash as they are (no copy). */
const DIRECT_BYTES = 1024;
/** Strings shorter than this are written by a JS loop when ASCII; crossing into C++ costs more. */
const SHORT_STRING = 64;
/** Largest slice of a big view handed to one hash update. */
const DIRECT_SLICE = 256 * 1024 * 1024;

// One-shot hashing (Node ≥ 20.12) skips creating a Hash object, which costs more than hashing a small
// record; most values fit in one scratch buffer, so most fingerprints never create one.
const oneShot: ((data: Buffer, encoding: 'base64url') => string) &
  ((data: Buffer, encoding: 'buffer') => Buffer) =
  typeof crypto.hash === 'function'
    ? (((data: Buffer, encoding: 'base64url' | 'buffer') =>
        crypto.hash('sha256', data, encoding as 'buffer')) as never)
    : (((data: Buffer, encoding: 'base64url' | 'buffer') => {
        const h = crypto.createHash('sha256').update(data);
        return encoding === 'buffer' ? h.digest() : h.digest(encoding);
      }) as never);

const nanBytes = Buffer.from([0, 0, 0, 0, 0, 0, 0xf8, 0x7f]); // the one NaN we hash (quiet NaN, LE)

// String.prototype.isWellFormed is in Node 20 but not in the ES2023 lib typings.
const isWellFormed: (s: string) => boolean =
  typeof (String.prototype as { isWellFormed?: unknown }).isWellFormed === 'function'
    ? (s) => (s as unknown as { isWellFormed(): boolean }).isWellFormed()
    : (s) => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);

/**
 * An incremental SHA-256 fed through a reusable scratch buffer. Tags, lengths and small scalars are
 * written into the buffer (no allocation per value) and flushed to the hash in 64 KiB chunks; large
 * byte ranges go to the hash directly. All multi-byte numbers are little-endian, whatever the machine.
 */
export class HashSink {
  /** Created on the first flush: a value that fits the scratch buffer is hashed in one shot. */
  private hash: Hash | null = null;
  private readonly buf: Buffer = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  /** Starts a fresh hash (sinks are pooled for Map/Set entries). */
  reset(): void {
    this.hash = null;
    this.pos = 0;
  }

  flush(): void {
    if (this.pos > 0) {
      (this.hash ??= crypto.createHash('sha256')).update(this.buf.subarray(0, this.pos));
      this.pos = 0;
    }
  }

  u8(b: number): void {
    if (this.pos === CHUNK) this.flush();
    this.buf[this.pos++] = b;
  }

  /** A tag byte followed by a uint32 (lengths, counts, depths). */
  tagU32(tag: number, n: number): void {
    if (this.pos + 5 > CHUNK) this.flush();
    const buf = this.buf;
    let p = this.pos;
    buf[p++] = tag;
    buf[p++] = n & 0xff;
    buf[p++] = (n >>> 8) & 0xff;
    buf[p++] = (n >>> 16) & 0xff;
    buf[p++] = (n >>> 24) & 0xff;
    this.pos = p;
  }

  /** A float64, with every NaN written as the same canonical NaN; -0 keeps its sign bit. */
  f64(x: number): void {
    if (this.pos + 8 > CHUNK) this.flush();
    if (x !== x) nanBytes.copy(this.buf, this.pos);
    else this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  number(x: number): void {
    if (this.pos + 9 > CHUNK) this.flush();
    this.buf[this.pos++] = TAG_NUMBER;
    this.f64(x);
  }

  /** Sign and hex magnitude: exact for any size, and never equal to a number's encoding. */
  bigint(x: bigint): void {
    this.u8(TAG_BIGINT);
    this.string(x.toString(16));
  }

  /** Tag, uint32 byte length, UTF-8 bytes. Lone surrogates switch to exact UTF-16 (a different tag). */
  string(s: string): void {
    const n = s.length;
    if (n < SHORT_STRING) {
      if (this.pos + 5 + n * 3 > CHUNK) this.flush();
      const buf = this.buf;
      const start = this.pos;
      let p = start + 5;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i < n) {
        if (!isWellFormed(s)) return this.utf16(s);
        p = start + 5 + buf.write(s, start + 5, 'utf8');
      }
      this.header(start, TAG_STRING, p - start - 5);
      this.pos = p;
      return;
    }
    if (!isWellFormed(s)) return this.utf16(s);
    if (n * 3 + 5 <= CHUNK) {
      if (this.pos + 5 + n * 3 > CHUNK) this.flush();
      const start = this.pos;
      const len = this.buf.write(s, start + 5, 'utf8');
      this.header(start, TAG_STRING, len);
      this.pos = start + 5 + len;
      return;
    }
    this.tagU32(TAG_STRING, Buffer.byteLength(s, 'utf8'));
    this.flush();
    (this.hash ??= crypto.createHash('sha256')).update(s, 'utf8');
  }

  private utf16(s: string): void {
    this.tagU32(TAG_STRING_UTF16, s.length * 2);
    this.flush();
    (this.hash ??= crypto.createHash('sha256')).update(Buffer.from(s, 'utf16le'));
  }

  private header(at: number, tag: number, n: number): void {
    const buf = this.buf;
    buf[at] = tag;
    buf[at + 1] = n & 0xff;
    buf[at + 2] = (n >>> 8) & 0xff;
    buf[at + 3] = (n >>> 16) & 0xff;
    buf[at + 4] = (n >>> 24) & 0xff;
  }

  /** Raw bytes of a view (no length prefix: callers write it). Large views are hashed in place. */
  bytes(view: NodeJS.ArrayBufferView): void {
    const n = view.byteLength;
    if (n >= DIRECT_BYTES) {
      this.flush();
      const hash = (this.hash ??= crypto.createHash('sha256'));
      // In slices: one update takes at most 2 GiB ("data is too long" above that).
      const bytes = new Uint8Array(view.buffer, view.byteOffset, n);
      for (let at = 0; at < n; at += DIRECT_SLICE)
        hash.update(bytes.subarray(at, Math.min(at + DIRECT_SLICE, n)));
      return;
    }
    if (this.pos + n > CHUNK) this.flush();
    this.buf.set(new Uint8Array(view.buffer, view.byteOffset, n), this.pos);
    this.pos += n;
  }

  /** Final digest as url-safe base64 without padding (43 characters). The sink is spent afterwards. */
  digestBase64Url(): string {
    if (this.hash === null) return oneShot(this.buf.subarray(0, this.pos), 'base64url');
    this.flush();
    return this.hash.digest('base64url');
  }

  /** Final digest as 32 raw bytes (for sorting Map/Set entries). The sink is spent afterwards. */
  digestBytes(): Buffer {
    if (this.hash === null) return oneShot(this.buf.subarray(0, this.pos), 'buffer');
    this.flush();
    return this.hash.digest();
  }
}
