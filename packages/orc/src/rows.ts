/**
 * Conversion between column vectors and plain JavaScript rows.
 *
 * Value mapping: boolean → boolean; tinyint, smallint, int, float, double → number; bigint → bigint;
 * string, char, varchar → string; binary → Uint8Array; date → Date (UTC midnight); timestamp and
 * timestamp with local time zone → bigint nanoseconds since 1970-01-01 (exact; wall-clock as UTC for
 * `timestamp`); decimal → string (e.g. "-12.50" at the type's scale); list → array; map → array of
 * `{ key, value }`; struct → object; union → `{ tag, value }`; null → null.
 */
import type { ColumnVector } from './vector.js';

export type OrcValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Date
  | OrcValue[]
  | { key: OrcValue; value: OrcValue }[]
  | { tag: number; value: OrcValue }
  | { [field: string]: OrcValue };

/** Formats an unscaled decimal at `scale`, e.g. (-1250n, 2) → "-12.50". */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  let digits = (neg ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return neg ? `-${digits}` : digits;
}

/** Parses a decimal string (or number/bigint) to an unscaled bigint at `scale`; undefined if invalid. */
export function parseDecimal(v: string | number | bigint, scale: number): bigint | undefined {
  if (typeof v === 'bigint') return v * 10n ** BigInt(scale);
  const s = typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(Math.min(100, scale)) : '') : v.trim();
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  let intPart = m[2] ?? '';
  let frac = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (exp > 0) {
    const take = frac.slice(0, exp).padEnd(exp, '0');
    intPart += take;
    frac = frac.slice(exp);
  } else if (exp < 0) {
    const move = intPart.slice(Math.max(0, intPart.length + exp)).padStart(-exp, '0');
    intPart = intPart.slice(0, Math.max(0, intPart.length + exp));
    frac = move + frac;
  }
  // Values with more digits than the scale are rounded half away from zero, as ORC writers do.
  let unscaled = BigInt((intPart || '0') + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale && Number(frac[scale]) >= 5) unscaled += 1n;
  return m[1] === '-' ? -unscaled : unscaled;
}

const DAY_MS = 86_400_000;

/** The value of entry `i` of a vector as a plain JavaScript value. */
export function valueAt(v: ColumnVector, i: number): OrcValue {
  if (v.present && !v.present[i]) return null;
  const t = v.type;
  switch (t.kind) {
    case 'boolean':
      return v.values![i] === 1;
    case 'tinyint':
    case 'smallint':
    case 'int':
    case 'float':
    case 'double':
      return v.values![i]!;
    case 'date':
      return new Date(v.values![i]! * DAY_MS);
    case 'bigint':
      return v.bigints![i]!;
    case 'string':
    case 'char':
    case 'varchar':
      return v.strings![i]!;
    case 'binary':
      return v.binaries![i]!;
    case 'timestamp':
    case 'timestamp with local time zone':
      return BigInt(v.seconds![i]!) * 1_000_000_000n + BigInt(v.nanos![i]!);
    case 'decimal':
      return formatDecimal(v.decimals![i]!, t.scale);
    case 'list': {
      const c = v.children![0]!;
      const out: OrcValue[] = [];
      for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++) out.push(valueAt(c, k));
      return out;
    }
    case 'map': {
      const [kc, vc] = v.children as [ColumnVector, ColumnVector];
      const out: { key: OrcValue; value: OrcValue }[] = [];
      for (let k = v.offsets![i]!; k < v.offsets![i + 1]!; k++)
        out.push({ key: valueAt(kc, k), value: valueAt(vc, k) });
      return out;
    }
    case 'struct': {
      const out: { [f: string]: OrcValue } = {};
      t.fields.forEach((f, k) => (out[f.name] = valueAt(v.children![k]!, i)));
      return out;
    }
    case 'union': {
      const tag = v.tags![i]!;
      return { tag, value: valueAt(v.children![tag]!, v.unionOffsets![i]!) };
    }
  }
}

/**
 * All entries of a vector as plain values (rows, for the root struct).
 *
 * @example
 * ```ts
 * const file = readOrc(bytes, { columns: ['id'] });
 * vectorToValues(file.data); // [{ id: 1 }, ...]
 * ```
 */
export function vectorToValues(v: ColumnVector): OrcValue[] {
  const out = new Array<OrcValue>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = valueAt(v, i);
  return out;
}
