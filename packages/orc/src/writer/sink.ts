/** A growable byte buffer for building streams. */
export class ByteSink {
  buf: Uint8Array;
  len = 0;
  constructor(initial = 1024) {
    this.buf = new Uint8Array(initial);
  }
  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = new Uint8Array(size);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  /** Unsigned varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.len++] = v;
  }
  /** Unsigned varint of any non-negative bigint (decimals can exceed 64 bits). */
  varintBig(v: bigint): void {
    this.ensure(20);
    while (v >= 0x80n) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
  }
  finish(): Uint8Array {
    return this.buf.subarray(0, this.len);
  }
}
