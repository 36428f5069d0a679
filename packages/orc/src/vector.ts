/**
 * Column vectors: the columnar, in-memory form of ORC data that the reader produces and the writer takes.
 * Every vector has `length` entries; `present` (1 = value, 0 = null) is `null` when there is no null.
 * Null slots hold a zero/empty placeholder in the value arrays.
 */
import type { OrcType } from './schema.js';

export type NumericArray = Int8Array | Int16Array | Int32Array | Float32Array | Float64Array | Uint8Array;

export interface ColumnVector {
  type: OrcType;
  length: number;
  present: Uint8Array | null;
  /** boolean (0/1), tinyint, smallint, int, float, double, date (days since 1970-01-01). */
  values?: NumericArray;
  /** bigint. */
  bigints?: BigInt64Array;
  /** string, char, varchar. */
  strings?: string[];
  /** binary. */
  binaries?: Uint8Array[];
  /** decimal: unscaled values at the type's scale. */
  decimals?: bigint[];
  /**
   * timestamp: wall-clock seconds since 1970-01-01 00:00:00 (as if UTC); timestamp with local time zone:
   * seconds since the epoch (UTC instant). Whole seconds, floor.
   */
  seconds?: Float64Array;
  /** timestamps: nanoseconds 0..999,999,999 within the second. */
  nanos?: Int32Array;
  /** list, map: entry i spans children [offsets[i], offsets[i+1]). length + 1 entries. */
  offsets?: Int32Array;
  /** list: [element]; map: [key, value]; struct: fields in order; union: variants. */
  children?: ColumnVector[];
  /** union: variant of each entry. */
  tags?: Uint8Array;
  /** union: index of each entry's value in its variant's child vector. */
  unionOffsets?: Int32Array;
}

export function countPresent(present: Uint8Array | null, n: number): number {
  if (!present) return n;
  let c = 0;
  for (let i = 0; i < n; i++) c += present[i]!;
  return c;
}

/**
 * Spreads a dense vector (one entry per non-null slot) over `n` slots, with nulls where `present` is 0.
 */
export function spread(v: ColumnVector, present: Uint8Array | null, n: number): ColumnVector {
  if (!present) return v;
  const out: ColumnVector = { type: v.type, length: n, present: new Uint8Array(n) };
  const idx = new Int32Array(n); // dense index of each slot, -1 for null
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (present[i]) {
      idx[i] = j;
      out.present![i] = v.present ? v.present[j]! : 1;
      j++;
    } else idx[i] = -1;
  }
  const pick = <A extends { [k: number]: unknown; length: number }>(
    src: A,
    make: (n: number) => A,
    zero: A[number],
  ) => {
    const dst = make(n);
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      dst[i] = k >= 0 ? src[k]! : zero;
    }
    return dst;
  };
  if (v.values) {
    const Ctor = v.values.constructor as new (n: number) => NumericArray;
    out.values = pick(v.values, (m) => new Ctor(m), 0);
  }
  if (v.bigints) out.bigints = pick(v.bigints, (m) => new BigInt64Array(m), 0n);
  if (v.strings) out.strings = pick(v.strings, (m) => new Array<string>(m), '');
  if (v.binaries) out.binaries = pick(v.binaries, (m) => new Array<Uint8Array>(m), new Uint8Array(0));
  if (v.decimals) out.decimals = pick(v.decimals, (m) => new Array<bigint>(m), 0n);
  if (v.seconds) out.seconds = pick(v.seconds, (m) => new Float64Array(m), 0);
  if (v.nanos) out.nanos = pick(v.nanos, (m) => new Int32Array(m), 0);
  if (v.tags) out.tags = pick(v.tags, (m) => new Uint8Array(m), 0);
  if (v.unionOffsets) out.unionOffsets = pick(v.unionOffsets, (m) => new Int32Array(m), 0);
  if (v.offsets) {
    const o = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      const k = idx[i]!;
      o[i + 1] = k >= 0 ? v.offsets[k + 1]! : o[i]!;
    }
    out.offsets = o;
  }
  if (v.children) {
    // Struct fields are positional with the struct, so they spread too; list/map/union children do not.
    out.children = v.type.kind === 'struct' ? v.children.map((c) => spread(c, present, n)) : v.children;
  }
  return out;
}

function concatTyped<A extends { length: number; set(a: A, o: number): void }>(
  parts: A[],
  make: (n: number) => A,
): A {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = make(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Concatenates vectors of one type (e.g. one per stripe). */
export function concatVectors(type: OrcType, parts: ColumnVector[]): ColumnVector {
  if (parts.length === 1) return parts[0]!;
  // List/map parts must have offsets from 0 covering exactly their children (Arrow slices may not).
  parts = parts.map((p) =>
    p.offsets && (p.offsets[0] !== 0 || p.children![0]!.length !== p.offsets[p.length])
      ? sliceVector(p, 0, p.length)
      : p,
  );
  const length = parts.reduce((s, p) => s + p.length, 0);
  const out: ColumnVector = { type, length, present: null };
  if (parts.some((p) => p.present)) {
    out.present = new Uint8Array(length);
    let o = 0;
    for (const p of parts) {
      if (p.present) out.present.set(p.present, o);
      else out.present.fill(1, o, o + p.length);
      o += p.length;
    }
  }
  const first = parts[0];
  if (!first) return out;
  if (first.values) {
    const Ctor = first.values.constructor as new (n: number) => NumericArray;
    out.values = concatTyped(
      parts.map((p) => p.values!) as Float64Array[],
      (m) => new Ctor(m) as Float64Array,
    );
  }
  if (first.bigints)
    out.bigints = concatTyped(
      parts.map((p) => p.bigints!),
      (m) => new BigInt64Array(m),
    );
  if (first.strings) out.strings = parts.flatMap((p) => p.strings!);
  if (first.binaries) out.binaries = parts.flatMap((p) => p.binaries!);
  if (first.decimals) out.decimals = parts.flatMap((p) => p.decimals!);
  if (first.seconds)
    out.seconds = concatTyped(
      parts.map((p) => p.seconds!),
      (m) => new Float64Array(m),
    );
  if (first.nanos)
    out.nanos = concatTyped(
      parts.map((p) => p.nanos!),
      (m) => new Int32Array(m),
    );
  if (first.tags)
    out.tags = concatTyped(
      parts.map((p) => p.tags!),
      (m) => new Uint8Array(m),
    );
  if (first.offsets) {
    const o = new Int32Array(length + 1);
    let i = 0;
    let base = 0;
    for (const p of parts) {
      for (let k = 0; k < p.length; k++) o[++i] = base + p.offsets![k + 1]!;
      base += p.offsets![p.length]!;
    }
    out.offsets = o;
  }
  if (first.unionOffsets) {
    const variants = first.children!.length;
    const base = new Array<number>(variants).fill(0);
    const uo = new Int32Array(length);
    let i = 0;
    for (const p of parts) {
      for (let k = 0; k < p.length; k++, i++) uo[i] = p.unionOffsets![k]! + base[p.tags![k]!]!;
      p.children!.forEach((c, v) => (base[v]! += c.length));
    }
    out.unionOffsets = uo;
  }
  if (first.children) {
    out.children = first.children.map((c, i) =>
      concatVectors(
        c.type,
        parts.map((p) => p.children![i]!),
      ),
    );
  }
  return out;
}

/**
 * Entries [start, end) of a vector, normalised so that list/map offsets start at 0 and cover exactly their
 * children (union children are kept whole, with their offsets).
 */
export function sliceVector(v: ColumnVector, start: number, end: number): ColumnVector {
  const out: ColumnVector = {
    type: v.type,
    length: end - start,
    present: v.present ? v.present.slice(start, end) : null,
  };
  if (v.values) out.values = v.values.slice(start, end);
  if (v.bigints) out.bigints = v.bigints.slice(start, end);
  if (v.strings) out.strings = v.strings.slice(start, end);
  if (v.binaries) out.binaries = v.binaries.slice(start, end);
  if (v.decimals) out.decimals = v.decimals.slice(start, end);
  if (v.seconds) out.seconds = v.seconds.slice(start, end);
  if (v.nanos) out.nanos = v.nanos.slice(start, end);
  if (v.tags) {
    out.tags = v.tags.slice(start, end);
    out.unionOffsets = v.unionOffsets!.slice(start, end);
    out.children = v.children;
  } else if (v.offsets) {
    const s = v.offsets[start]!;
    const e = v.offsets[end]!;
    out.offsets = v.offsets.slice(start, end + 1).map((x) => x - s);
    out.children = v.children!.map((c) => sliceVector(c, s, e));
  } else if (v.children) {
    out.children = v.children.map((c) => sliceVector(c, start, end));
  }
  return out;
}
