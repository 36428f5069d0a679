import type { ColumnStatistics } from '../proto/messages.js';
import { utf8Compare } from './columns.js';

const minOf = <T extends string | number | bigint>(a: T | undefined, b: T | undefined): T | undefined =>
  a === undefined ? b : b === undefined ? a : b < a ? b : a;
const maxOf = <T extends string | number | bigint>(a: T | undefined, b: T | undefined): T | undefined =>
  a === undefined ? b : b === undefined ? a : b > a ? b : a;

/** Merges stripe statistics of one column into file statistics. */
export function mergeStats(parts: ColumnStatistics[]): ColumnStatistics {
  const out: ColumnStatistics = { numberOfValues: 0, hasNull: false };
  for (const s of parts) {
    out.numberOfValues! += s.numberOfValues ?? 0;
    out.hasNull = out.hasNull || !!s.hasNull;
    if (s.int) {
      const o = (out.int ??= { sum: 0n });
      o.min = minOf(o.min, s.int.min);
      o.max = maxOf(o.max, s.int.max);
      o.sum = o.sum !== undefined && s.int.sum !== undefined ? o.sum + s.int.sum : undefined;
      if (o.sum !== undefined && o.sum !== BigInt.asIntN(64, o.sum)) o.sum = undefined;
    }
    if (s.double) {
      const o = (out.double ??= { sum: 0 });
      o.min = minOf(o.min, s.double.min);
      o.max = maxOf(o.max, s.double.max);
      o.sum = (o.sum ?? 0) + (s.double.sum ?? 0);
    }
    if (s.string) {
      const o = (out.string ??= { sum: 0n });
      const a = s.string;
      if (a.min !== undefined && (o.min === undefined || utf8Compare(a.min, o.min) < 0)) o.min = a.min;
      if (a.max !== undefined && (o.max === undefined || utf8Compare(a.max, o.max) > 0)) o.max = a.max;
      o.sum = (o.sum ?? 0n) + (s.string.sum ?? 0n);
    }
    if (s.binary) out.binary = { sum: (out.binary?.sum ?? 0n) + (s.binary.sum ?? 0n) };
    if (s.bucket) out.bucket = { count: [(out.bucket?.count[0] ?? 0) + (s.bucket.count[0] ?? 0)] };
    if (s.date) {
      const o = (out.date ??= {});
      o.min = minOf(o.min, s.date.min);
      o.max = maxOf(o.max, s.date.max);
    }
    if (s.decimal) {
      // Decimal statistics are strings at the column scale; compare as bigints.
      const o = (out.decimal ??= {});
      const num = (x: string | undefined) => (x === undefined ? undefined : BigInt(x.replace('.', '')));
      const scale = (s.decimal.min ?? '').split('.')[1]?.length ?? 0;
      const fmt = (x: bigint | undefined) => {
        if (x === undefined) return undefined;
        const neg = x < 0n;
        let d = (neg ? -x : x).toString();
        if (scale > 0) {
          d = d.padStart(scale + 1, '0');
          d = `${d.slice(0, d.length - scale)}.${d.slice(d.length - scale)}`;
        }
        return neg ? `-${d}` : d;
      };
      o.min = fmt(minOf(num(o.min), num(s.decimal.min)));
      o.max = fmt(maxOf(num(o.max), num(s.decimal.max)));
      const sum = (num(o.sum) ?? 0n) + (num(s.decimal.sum) ?? 0n);
      o.sum = fmt(sum);
    }
    if (s.timestamp) {
      const o = (out.timestamp ??= {});
      const t = s.timestamp;
      if (
        o.min === undefined ||
        (t.min !== undefined && (t.min < o.min || (t.min === o.min && (t.minNanos ?? 0) < (o.minNanos ?? 0))))
      ) {
        o.min = t.min;
        o.minUtc = t.minUtc;
        o.minNanos = t.minNanos;
      }
      if (
        o.max === undefined ||
        (t.max !== undefined && (t.max > o.max || (t.max === o.max && (t.maxNanos ?? 0) > (o.maxNanos ?? 0))))
      ) {
        o.max = t.max;
        o.maxUtc = t.maxUtc;
        o.maxNanos = t.maxNanos;
      }
    }
    if (s.collection) {
      const o = (out.collection ??= { totalChildren: 0 });
      o.minChildren = minOf(o.minChildren, s.collection.minChildren);
      o.maxChildren = maxOf(o.maxChildren, s.collection.maxChildren);
      o.totalChildren = (o.totalChildren ?? 0) + (s.collection.totalChildren ?? 0);
    }
  }
  return out;
}
