/**
 * Column readers: decode one column of one stripe from its streams into a ColumnVector.
 */
import { OrcFormatError } from '../errors.js';
import { EncodingKind, StreamKind, type ColumnEncoding } from '../proto/messages.js';
import { ByteReader } from '../rle/byte-reader.js';
import { readBoolRle, readByteRle } from '../rle/byte-rle.js';
import { intDecoder } from '../rle/int-rle.js';
import type { TypeNode } from '../schema.js';
import { orcEpoch, tzOffset } from '../timezone.js';
import { countPresent, spread, type ColumnVector } from '../vector.js';

export interface StripeContext {
  /** "stripe 2" */
  where: string;
  /** Decompressed stream bytes, or undefined when the stripe has no such stream. */
  stream(column: number, kind: number): Uint8Array | undefined;
  encoding(column: number): ColumnEncoding;
  /** Time zone TIMESTAMP values were written in. */
  writerTimezone: string;
  /** Files of the ORC 2.0 pre-release store decimals of precision ≤ 18 as plain longs. */
  decimalAsLong: boolean;
}

const streamNames = ['PRESENT', 'DATA', 'LENGTH', 'DICTIONARY_DATA', 'DICTIONARY_COUNT', 'SECONDARY'];
const encodingNames = ['DIRECT', 'DICTIONARY', 'DIRECT_V2', 'DICTIONARY_V2'];

class Col {
  readonly where: string;
  readonly enc: ColumnEncoding;
  /** True when the column has no values here: writers may then omit its streams. */
  empty = false;
  constructor(
    readonly ctx: StripeContext,
    readonly node: TypeNode,
  ) {
    this.where = `${ctx.where} column ${node.id} (${node.name || 'root'})`;
    this.enc = ctx.encoding(node.id);
  }
  fail(msg: string): never {
    throw new OrcFormatError(`${this.where}: ${msg}`);
  }
  get v2(): boolean {
    return this.enc.kind === EncodingKind.DIRECT_V2 || this.enc.kind === EncodingKind.DICTIONARY_V2;
  }
  get dictionary(): boolean {
    return this.enc.kind === EncodingKind.DICTIONARY || this.enc.kind === EncodingKind.DICTIONARY_V2;
  }
  optional(kind: number): ByteReader | undefined {
    const b = this.ctx.stream(this.node.id, kind);
    return b ? new ByteReader(b, `${this.where} ${streamNames[kind]} stream`) : undefined;
  }
  required(kind: number): ByteReader {
    const r = this.optional(kind);
    if (r) return r;
    if (this.empty) return new ByteReader(new Uint8Array(0), `${this.where} ${streamNames[kind]} stream`);
    return this.fail(`${streamNames[kind]} stream missing`);
  }
  /** Throws unless the encoding is one this type may use. */
  allow(dictionary: boolean): void {
    const k = this.enc.kind;
    const ok = k === EncodingKind.DIRECT || k === EncodingKind.DIRECT_V2 || (dictionary && this.dictionary);
    if (!ok || k > 3) this.fail(`encoding ${encodingNames[k] ?? k} is not valid for ${this.node.type.kind}`);
  }
}

/** Reads `n` entries of a column (n = the number of non-null entries of its parent). */
export function readColumn(ctx: StripeContext, node: TypeNode, n: number): ColumnVector {
  const c = new Col(ctx, node);
  if (n > 0x7fffffff) c.fail(`${n} values is more than this reader supports`);
  if (n > 0 && node.type.kind !== 'struct') {
    // Each stream byte can stand for at most ~1040 values (a boolean run), so the declared count must be
    // backed by data: this keeps a corrupt count from allocating without limit.
    let bytes = 0;
    for (let k = 0; k <= StreamKind.SECONDARY; k++) bytes += ctx.stream(node.id, k)?.length ?? 0;
    if (n > bytes * 1040) c.fail(`${n} values declared but the column's streams hold only ${bytes} bytes`);
  }
  const pr = c.optional(StreamKind.PRESENT);
  const present = pr ? readBoolRle(pr, n) : null;
  const count = countPresent(present, n);
  c.empty = count === 0;
  const dense = readDense(c, count);
  return spread(dense, present, n);
}

function lengths(c: Col, n: number, r: ByteReader, limit: number): Int32Array {
  const out = new Float64Array(n);
  intDecoder(r, false, c.v2).numbers(n, out);
  const res = new Int32Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = out[i]!;
    if (!(l >= 0) || !Number.isInteger(l)) c.fail(`negative or invalid length ${l} at entry ${i}`);
    total += l;
    if (total > limit) c.fail(`lengths add up to more than the ${limit} bytes/values available`);
    res[i] = l;
  }
  return res;
}

const utf8 = new TextDecoder('utf-8');

function decodeStrings(bytes: Uint8Array, lens: Int32Array): string[] {
  const out = new Array<string>(lens.length);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  for (let i = 0; i < lens.length; i++) {
    const l = lens[i]!;
    out[i] =
      l === 0 ? '' : l < 64 ? buf.toString('utf8', pos, pos + l) : utf8.decode(bytes.subarray(pos, pos + l));
    pos += l;
  }
  return out;
}

function readDense(c: Col, n: number): ColumnVector {
  const t = c.node.type;
  const out: ColumnVector = { type: t, length: n, present: null };
  switch (t.kind) {
    case 'boolean':
      c.allow(false);
      out.values = readBoolRle(c.required(StreamKind.DATA), n);
      return out;
    case 'tinyint':
      c.allow(false);
      out.values = readByteRle(c.required(StreamKind.DATA), n, new Int8Array(n));
      return out;
    case 'smallint':
    case 'int':
    case 'date': {
      c.allow(false);
      const tmp = new Float64Array(n);
      intDecoder(c.required(StreamKind.DATA), true, c.v2).numbers(n, tmp);
      const arr = t.kind === 'smallint' ? new Int16Array(n) : new Int32Array(n);
      arr.set(tmp);
      out.values = arr;
      return out;
    }
    case 'bigint': {
      c.allow(false);
      const arr = new BigInt64Array(n);
      intDecoder(c.required(StreamKind.DATA), true, c.v2).bigints(n, arr);
      out.bigints = arr;
      return out;
    }
    case 'float':
    case 'double': {
      c.allow(false);
      const size = t.kind === 'float' ? 4 : 8;
      const r = c.required(StreamKind.DATA);
      const bytes = new Uint8Array(n * size); // a copy: aligned, and not shared with the input
      bytes.set(r.bytes(n * size));
      out.values = size === 4 ? new Float32Array(bytes.buffer, 0, n) : new Float64Array(bytes.buffer, 0, n);
      return out;
    }
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary': {
      const isBinary = t.kind === 'binary';
      c.allow(!isBinary);
      if (c.dictionary) {
        const ids = new Float64Array(n);
        intDecoder(c.required(StreamKind.DATA), false, c.v2).numbers(n, ids);
        const lenR = c.required(StreamKind.LENGTH);
        const dictData = c.optional(StreamKind.DICTIONARY_DATA);
        const dictBytes = dictData?.buf ?? new Uint8Array(0);
        const size = c.enc.dictionarySize;
        if (size > 1 && !dictData) c.fail('DICTIONARY_DATA stream missing');
        // Dictionary entries are distinct, so at most one is empty: this bounds the allocation.
        if (size > dictBytes.length + 1)
          c.fail(`dictionary of ${size} entries cannot fit in ${dictBytes.length} bytes`);
        const lens = lengths(c, size, lenR, dictBytes.length);
        const dict = decodeStrings(dictBytes, lens);
        const strs = new Array<string>(n);
        for (let i = 0; i < n; i++) {
          const id = ids[i]!;
          if (!(id >= 0 && id < size)) c.fail(`dictionary id ${id} out of range (${size} entries)`);
          strs[i] = dict[id]!;
        }
        out.strings = strs;
        return out;
      }
      const data = c.required(StreamKind.DATA);
      const lens = lengths(c, n, c.required(StreamKind.LENGTH), data.buf.length);
      if (isBinary) {
        const bins = new Array<Uint8Array>(n);
        let pos = 0;
        for (let i = 0; i < n; i++) {
          bins[i] = data.buf.slice(pos, pos + lens[i]!);
          pos += lens[i]!;
        }
        out.binaries = bins;
      } else out.strings = decodeStrings(data.buf, lens);
      return out;
    }
    case 'timestamp':
    case 'timestamp with local time zone': {
      c.allow(false);
      const secs = new Float64Array(n);
      const nanos = new Float64Array(n);
      intDecoder(c.required(StreamKind.DATA), true, c.v2).numbers(n, secs);
      intDecoder(c.required(StreamKind.SECONDARY), false, c.v2).numbers(n, nanos);
      const tz = t.kind === 'timestamp' ? c.ctx.writerTimezone : 'UTC';
      const epoch = orcEpoch(tz);
      // Columns written by this package with floored seconds (times in (-1 s, 0) need it).
      const floor = t.attributes?.['dagcache.timestamp.seconds'] === 'floor';
      const ns = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const raw = nanos[i]!;
        const zeros = raw % 8;
        let v = Math.floor(raw / 8);
        if (zeros !== 0) v *= 10 ** (zeros + 1);
        if (!(v >= 0 && v <= 999_999_999)) c.fail(`nanoseconds ${v} out of range`);
        // Writers store the seconds truncated toward zero; ORC readers undo that for negative times.
        let s = secs[i]! + epoch;
        if (s < 0 && v > 999_999 && !floor) s -= 1;
        secs[i] = tz === 'UTC' ? s : s + tzOffset(tz, s);
        ns[i] = v;
      }
      out.seconds = secs;
      out.nanos = ns;
      return out;
    }
    case 'decimal': {
      c.allow(false);
      const decs = new Array<bigint>(n);
      if (c.ctx.decimalAsLong && t.precision > 0 && t.precision <= 18) {
        const arr = new BigInt64Array(n);
        // The 2.0 pre-release always writes these with RLE v2, whatever the encoding says.
        intDecoder(c.required(StreamKind.DATA), true, true).bigints(n, arr);
        for (let i = 0; i < n; i++) decs[i] = arr[i]!;
      } else {
        const data = c.required(StreamKind.DATA);
        const scales = new Float64Array(n);
        intDecoder(c.required(StreamKind.SECONDARY), true, c.v2).numbers(n, scales);
        for (let i = 0; i < n; i++) {
          let v = data.bigVarintZigzag();
          const s = scales[i]!;
          if (!(Math.abs(s) <= 1000)) c.fail(`decimal scale ${s} out of range`);
          // Rescale to the column's scale (Hive 0.11 files, precision 0, keep each value's own scale
          // only up to the type's scale: they are read at scale `t.scale`, like ORC's readers do).
          if (s < t.scale) v *= 10n ** BigInt(t.scale - s);
          else if (s > t.scale) v /= 10n ** BigInt(s - t.scale);
          decs[i] = v;
        }
      }
      out.decimals = decs;
      return out;
    }
    case 'list':
    case 'map': {
      c.allow(false);
      const lenR = c.required(StreamKind.LENGTH);
      // A list entry can be empty, so lengths are not bounded by bytes; bound the total child count.
      const lens = lengths(c, n, lenR, 0x7fffffff);
      const offsets = new Int32Array(n + 1);
      for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i]! + lens[i]!;
      const total = offsets[n]!;
      out.offsets = offsets;
      out.children = c.node.children.map((ch) => readColumn(c.ctx, ch, total));
      return out;
    }
    case 'struct':
      c.allow(false);
      out.children = c.node.children.map((ch) => readColumn(c.ctx, ch, n));
      return out;
    case 'union': {
      c.allow(false);
      const tags = readByteRle(c.required(StreamKind.DATA), n);
      const variants = c.node.children.length;
      const counts = new Array<number>(variants).fill(0);
      const uo = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const tag = tags[i]!;
        if (tag >= variants) c.fail(`union tag ${tag} out of range (${variants} variants)`);
        uo[i] = counts[tag]!++;
      }
      out.tags = tags;
      out.unionOffsets = uo;
      out.children = c.node.children.map((ch, v) => readColumn(c.ctx, ch, counts[v]!));
      return out;
    }
  }
}
