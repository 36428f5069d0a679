/**
 * Column writers: encode rows [start, end) of a column vector into ORC streams, with the column's
 * statistics. Nested columns recurse with their children's ranges.
 */
import { EncodingKind, StreamKind, type ColumnStatistics } from '../proto/messages.js';
import { formatDecimal } from '../rows.js';
import type { TypeNode } from '../schema.js';
import type { ColumnVector } from '../vector.js';
import { encodeBoolRle, encodeByteRle, encodeIntV2, encodeIntV2Big } from './encoders.js';
import { ByteSink } from './sink.js';

export interface OutStream {
  column: number;
  kind: number;
  data: Uint8Array;
}

export interface StripeColumns {
  streams: OutStream[];
  /** Encoding per column id. */
  encodings: Array<{ kind: number; dictionarySize: number }>;
  /** Statistics per column id. */
  stats: ColumnStatistics[];
}

export interface ColumnWriteOptions {
  dictionary: 'auto' | 'always' | 'never';
  /** Use a dictionary when distinct values ≤ this fraction of the values (auto mode). */
  dictionaryThreshold: number;
}

const ORC_EPOCH = 1420070400; // 2015-01-01 00:00:00 UTC

/**
 * Compares strings in UTF-8 byte order, as ORC's statistics do. JavaScript's `<` compares UTF-16 units,
 * which differs only where a surrogate pair meets a character in U+E000..U+FFFF.
 */
export function utf8Compare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x >= 0xd800 && y >= 0xd800 ? a.codePointAt(i)! - b.codePointAt(i)! : x - y;
  }
  return a.length - b.length;
}

/** Encodes ORC's timestamp nanos: trailing decimal zeros dropped, their count (minus one) in 3 bits. */
export function formatNanos(nanos: number): number {
  if (nanos === 0) return 0;
  if (nanos % 100 !== 0) return nanos * 8;
  nanos /= 100;
  let zeros = 1;
  while (nanos % 10 === 0 && zeros < 7) {
    nanos /= 10;
    zeros++;
  }
  return nanos * 8 + zeros;
}

function minMaxInt(vals: Float64Array, count: number) {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const x = vals[k]!;
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
  }
  return { min, max, sum };
}

/** Encodes every column of the tree for rows [start, end) of `v`. */
export function writeColumns(
  root: TypeNode,
  v: ColumnVector,
  start: number,
  end: number,
  opts: ColumnWriteOptions,
): StripeColumns {
  const out: StripeColumns = { streams: [], encodings: [], stats: [] };
  const rows = new Int32Array(end - start);
  for (let i = 0; i < rows.length; i++) rows[i] = start + i;
  writeColumn(root, v, rows, opts, out);
  return out;
}

/**
 * Writes the entries `rows` of `v`. A child column only holds entries where its parent has a value (ORC
 * stores nothing under a null struct, list or map), so callers pass exactly those entries.
 */
function writeColumn(
  node: TypeNode,
  v: ColumnVector,
  rows: Int32Array,
  opts: ColumnWriteOptions,
  out: StripeColumns,
): void {
  const id = node.id;
  const n = rows.length;
  const t = node.type;
  // Dense indexes of the non-null entries.
  const idx = new Int32Array(n);
  let count = 0;
  const p = v.present;
  for (let k = 0; k < n; k++) if (!p || p[rows[k]!]) idx[count++] = rows[k]!;
  const stats: ColumnStatistics = { numberOfValues: count, hasNull: count < n };
  out.stats[id] = stats;
  out.encodings[id] = { kind: EncodingKind.DIRECT, dictionarySize: 0 };
  const stream = (kind: number, data: Uint8Array) => out.streams.push({ column: id, kind, data });
  if (count < n) {
    const bits = new Uint8Array(n);
    for (let k = 0; k < n; k++) bits[k] = p![rows[k]!]!;
    stream(StreamKind.PRESENT, encodeBoolRle(bits, n));
  }
  const v2 = () => (out.encodings[id] = { kind: EncodingKind.DIRECT_V2, dictionarySize: 0 });

  switch (t.kind) {
    case 'boolean': {
      const bits = new Uint8Array(count);
      let trues = 0;
      for (let k = 0; k < count; k++) trues += bits[k] = v.values![idx[k]!]!;
      stream(StreamKind.DATA, encodeBoolRle(bits, count));
      stats.bucket = { count: [trues] };
      return;
    }
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'date': {
      const dense = new Float64Array(count);
      for (let k = 0; k < count; k++) dense[k] = v.values![idx[k]!]!;
      if (t.kind === 'tinyint') stream(StreamKind.DATA, encodeByteRle(dense, count).finish());
      else {
        v2();
        stream(StreamKind.DATA, encodeIntV2(dense, count, true).finish());
      }
      if (count > 0) {
        const { min, max, sum } = minMaxInt(dense, count);
        if (t.kind === 'date') stats.date = { min, max };
        else stats.int = { min: BigInt(min), max: BigInt(max), sum: BigInt(sum) };
      }
      return;
    }
    case 'bigint': {
      v2();
      const dense = new BigInt64Array(count);
      let min = 0n;
      let max = 0n;
      let sum = 0n;
      for (let k = 0; k < count; k++) {
        const x = v.bigints![idx[k]!]!;
        dense[k] = x;
        if (k === 0 || x < min) min = x;
        if (k === 0 || x > max) max = x;
        sum += x;
      }
      stream(StreamKind.DATA, encodeIntV2Big(dense, count, true));
      if (count > 0) {
        stats.int = { min, max };
        // ORC leaves the sum out when it overflows 64 bits.
        if (sum === BigInt.asIntN(64, sum)) stats.int.sum = sum;
      }
      return;
    }
    case 'float':
    case 'double': {
      const dense = t.kind === 'float' ? new Float32Array(count) : new Float64Array(count);
      let min = Infinity;
      let max = -Infinity;
      let sum = 0;
      for (let k = 0; k < count; k++) {
        const x = v.values![idx[k]!]!;
        dense[k] = x;
        if (x < min) min = x;
        if (x > max) max = x;
        sum += x;
      }
      stream(StreamKind.DATA, new Uint8Array(dense.buffer, 0, dense.byteLength));
      if (count > 0) stats.double = { min, max, sum };
      return;
    }
    case 'string':
    case 'char':
    case 'varchar':
    case 'binary': {
      v2();
      const isBinary = t.kind === 'binary';
      let total = 0;
      if (isBinary) {
        const data = new ByteSink(1024);
        const lens = new Float64Array(count);
        for (let k = 0; k < count; k++) {
          const b = v.binaries![idx[k]!]!;
          data.bytes(b);
          lens[k] = b.length;
          total += b.length;
        }
        stream(StreamKind.DATA, data.finish());
        stream(StreamKind.LENGTH, encodeIntV2(lens, count, false).finish());
        stats.binary = { sum: BigInt(total) };
        return;
      }
      const strs = v.strings!;
      let min: string | undefined;
      let max: string | undefined;
      const minMax = (s: string) => {
        if (min === undefined || utf8Compare(s, min) < 0) min = s;
        if (max === undefined || utf8Compare(s, max) > 0) max = s;
      };
      const dict = new Map<string, number>();
      const ids = new Float64Array(count);
      // In 'auto' mode, stop building the dictionary once it is too big to be chosen.
      const limit = opts.dictionary === 'always' ? Infinity : count * opts.dictionaryThreshold;
      let useDict = opts.dictionary !== 'never';
      for (let k = 0; k < count; k++) {
        const s = strs[idx[k]!]!;
        if (useDict) {
          let d = dict.get(s);
          if (d === undefined) {
            dict.set(s, (d = dict.size));
            if (dict.size > limit) {
              useDict = false;
              for (let j = 0; j < k; j++) minMax(strs[idx[j]!]!);
            }
          }
          ids[k] = d;
        }
        if (!useDict) minMax(s);
      }
      // With a dictionary, min and max are found among its (fewer) distinct values.
      if (useDict) for (const s of dict.keys()) minMax(s);
      const dictionary = useDict && count > 0;
      const encodeAll = (list: Iterable<string>, m: number, maxBytes: number) => {
        const lens = new Float64Array(m);
        const buf = Buffer.allocUnsafe(Math.max(1, maxBytes));
        let pos = 0;
        let k = 0;
        for (const s of list) {
          const written = s.length === 0 ? 0 : buf.write(s, pos, 'utf8');
          pos += written;
          lens[k++] = written;
        }
        return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, pos), lens };
      };
      if (dictionary) {
        out.encodings[id] = { kind: EncodingKind.DICTIONARY_V2, dictionarySize: dict.size };
        let max = 0;
        for (const key of dict.keys()) max += key.length * 3;
        const { bytes, lens } = encodeAll(dict.keys(), dict.size, max);
        stream(StreamKind.DATA, encodeIntV2(ids, count, false).finish());
        stream(StreamKind.DICTIONARY_DATA, bytes);
        stream(StreamKind.LENGTH, encodeIntV2(lens, dict.size, false).finish());
        for (let k = 0; k < count; k++) total += lens[ids[k]!]!;
      } else {
        const list = new Array<string>(count);
        let max = 0;
        for (let k = 0; k < count; k++) max += (list[k] = strs[idx[k]!]!).length * 3;
        const { bytes, lens } = encodeAll(list, count, max);
        stream(StreamKind.DATA, bytes);
        stream(StreamKind.LENGTH, encodeIntV2(lens, count, false).finish());
        total = bytes.length;
      }
      stats.string = count > 0 ? { min, max, sum: BigInt(total) } : { sum: 0n };
      return;
    }
    case 'timestamp':
    case 'timestamp with local time zone': {
      v2();
      const secs = new Float64Array(count);
      const nanos = new Float64Array(count);
      const floor = t.attributes?.['dagcache.timestamp.seconds'] === 'floor';
      let minMs = 0;
      let maxMs = 0;
      let minN = 0;
      let maxN = 0;
      for (let k = 0; k < count; k++) {
        const i = idx[k]!;
        const s = v.seconds![i]!;
        const ns = v.nanos![i]!;
        // Stored seconds are truncated toward zero (readers subtract one for negative times), unless the
        // column is marked as floored (see markTimestampFloor in writer.ts).
        secs[k] = (s < 0 && ns > 999_999 && !floor ? s + 1 : s) - ORC_EPOCH;
        nanos[k] = formatNanos(ns);
        const ms = s * 1000 + Math.floor(ns / 1_000_000);
        const sub = ns % 1_000_000;
        if (k === 0 || ms < minMs || (ms === minMs && sub < minN)) {
          minMs = ms;
          minN = sub;
        }
        if (k === 0 || ms > maxMs || (ms === maxMs && sub > maxN)) {
          maxMs = ms;
          maxN = sub;
        }
      }
      stream(StreamKind.DATA, encodeIntV2(secs, count, true).finish());
      stream(StreamKind.SECONDARY, encodeIntV2(nanos, count, false).finish());
      if (count > 0) {
        stats.timestamp = {
          min: BigInt(minMs),
          max: BigInt(maxMs),
          minUtc: BigInt(minMs),
          maxUtc: BigInt(maxMs),
          // Stored plus one, so that 0 means "not recorded".
          minNanos: minN + 1,
          maxNanos: maxN + 1,
        };
      }
      return;
    }
    case 'decimal': {
      v2();
      const data = new ByteSink(count * 4 + 16);
      let min = 0n;
      let max = 0n;
      let sum = 0n;
      for (let k = 0; k < count; k++) {
        const x = v.decimals![idx[k]!]!;
        data.varintBig(x < 0n ? -2n * x - 1n : 2n * x);
        if (k === 0 || x < min) min = x;
        if (k === 0 || x > max) max = x;
        sum += x;
      }
      stream(StreamKind.DATA, data.finish());
      stream(StreamKind.SECONDARY, encodeIntV2(new Float64Array(count).fill(t.scale), count, true).finish());
      if (count > 0)
        stats.decimal = {
          min: formatDecimal(min, t.scale),
          max: formatDecimal(max, t.scale),
          sum: formatDecimal(sum, t.scale),
        };
      return;
    }
    case 'list':
    case 'map': {
      v2();
      const lens = new Float64Array(count);
      let minC = Infinity;
      let maxC = 0;
      let totalC = 0;
      for (let k = 0; k < count; k++) {
        const i = idx[k]!;
        const l = v.offsets![i + 1]! - v.offsets![i]!;
        lens[k] = l;
        if (l < minC) minC = l;
        if (l > maxC) maxC = l;
        totalC += l;
      }
      stream(StreamKind.LENGTH, encodeIntV2(lens, count, false).finish());
      stats.collection =
        count > 0 ? { minChildren: minC, maxChildren: maxC, totalChildren: totalC } : { totalChildren: 0 };
      const childRows = new Int32Array(totalC);
      let c = 0;
      for (let k = 0; k < count; k++) {
        const i = idx[k]!;
        for (let j = v.offsets![i]!; j < v.offsets![i + 1]!; j++) childRows[c++] = j;
      }
      node.children.forEach((ch, k) => writeColumn(ch, v.children![k]!, childRows, opts, out));
      return;
    }
    case 'struct': {
      const present = idx.subarray(0, count);
      node.children.forEach((ch, k) => writeColumn(ch, v.children![k]!, present, opts, out));
      return;
    }
    case 'union': {
      const tags = new Uint8Array(count);
      for (let k = 0; k < count; k++) tags[k] = v.tags![idx[k]!]!;
      stream(StreamKind.DATA, encodeByteRle(tags, count).finish());
      const within = new Array<number>(node.children.length).fill(0);
      for (let k = 0; k < count; k++) within[tags[k]!]!++;
      const childRows = within.map((w) => new Int32Array(w));
      within.fill(0);
      for (let k = 0; k < count; k++) {
        const tag = tags[k]!;
        childRows[tag]![within[tag]!++] = v.unionOffsets![idx[k]!]!;
      }
      node.children.forEach((ch, k) => writeColumn(ch, v.children![k]!, childRows[k]!, opts, out));
      return;
    }
  }
}
