import {
  makeData,
  makeVector,
  Type,
  vectorFromArray,
  type DataType,
  type Int,
  type Timestamp,
  type Vector,
} from 'apache-arrow';

/**
 * Types whose exact value is only in the raw buffer: 64-bit integers, timestamps (apache-arrow's `get`
 * turns micro/nanoseconds into lossy float milliseconds) and dates. For these the cell value handled by
 * csv/excel is the raw buffer value (bigint, or a day number for Date32).
 */
function usesRawValues(type: DataType): boolean {
  return (
    (type.typeId === Type.Int && (type as Int).bitWidth === 64) ||
    type.typeId === Type.Timestamp ||
    type.typeId === Type.Date
  );
}

/**
 * The cell values of a flat column, `null` for nulls. 64-bit integers, timestamps and Date64 give their raw
 * `bigint`, Date32 its day number, Float/Int(≤32) a number, Bool a boolean, Utf8/Dictionary a string.
 */
export function columnValues(vector: Vector): unknown[] {
  const out: unknown[] = new Array(vector.length);
  const raw = usesRawValues(vector.type);
  let k = 0;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<unknown>;
    const chunk = raw ? undefined : makeVector(data);
    for (let j = 0; j < data.length; j++, k++) {
      out[k] = !data.getValid(j) ? null : raw ? values[j] : chunk!.get(j);
    }
  }
  return out;
}

/** Inverse of {@link columnValues}: one vector of exactly `type` from cell values (`null` = null). */
export function buildColumn(type: DataType, values: unknown[]): Vector {
  if (!usesRawValues(type)) return vectorFromArray(values, type);
  const n = values.length;
  const ArrayType = (type as Timestamp).ArrayType as unknown as { new (n: number): { [i: number]: unknown } };
  const data = new ArrayType(n);
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nullCount++;
    } else {
      data[i] = v;
      nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeVector(
    makeData({
      type: type as Timestamp,
      length: n,
      nullCount,
      nullBitmap: nullCount ? nullBitmap : new Uint8Array(0),
      data: data as BigInt64Array,
    }),
  );
}
