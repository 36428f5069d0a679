import type { EncoderApi } from './encoder-api.js';
import {
  TAG_ARRAY,
  TAG_ARROW_BATCH,
  TAG_ARROW_TABLE,
  TAG_ARROW_VECTOR,
  TAG_FALSE,
  TAG_NULL,
  TAG_TRUE,
} from './tags.js';
import { writeElementBytes } from './typed-arrays.js';

// Apache Arrow objects are recognised by shape, not by `instanceof`: a project can hold two copies of
// apache-arrow (different versions, CJS and ESM builds), and core should not load Arrow just to
// fingerprint a plain object.

interface ArrowType {
  typeId: number;
  toString(): string;
}
interface ArrowData {
  type: ArrowType;
  length: number;
  stride: number;
  nullCount: number;
  values: NodeJS.TypedArray;
  getValid(index: number): boolean;
}
interface ArrowVector extends Iterable<unknown> {
  type: ArrowType;
  length: number;
  data: ArrowData[];
}
interface ArrowField {
  name: string;
  type: ArrowType;
  nullable: boolean;
}
interface ArrowTabular {
  schema: { fields: ArrowField[] };
  numRows: number;
  batches?: unknown[];
  getChildAt(i: number): ArrowVector | null;
}

/** Table and RecordBatch prototypes (both have columns by index and a row count). */
export function isArrowTabularProto(proto: object): boolean {
  const p = proto as Record<string, unknown>;
  return typeof p.getChildAt === 'function' && typeof p.selectAt === 'function' && 'numRows' in p;
}

/** Vector prototype: columns of a table, list cells. */
export function isArrowVectorProto(proto: object): boolean {
  const p = proto as Record<string, unknown>;
  return (
    typeof p.getChildAt === 'function' && typeof p.memoize === 'function' && typeof p.isValid === 'function'
  );
}

// Arrow type ids whose cells are a fixed number of elements of `values` (Int, Float, Decimal, Date,
// Time, Timestamp, Interval, FixedSizeBinary, Duration): hashed as raw bytes. Everything else (strings,
// booleans in bitmaps, lists, structs, dictionaries, unions) is hashed cell by cell.
const FIXED_WIDTH = new Set([2, 3, 7, 8, 9, 10, 11, 15, 18]);

function writeSchema(fields: ArrowField[], enc: EncoderApi): void {
  const sink = enc.sink;
  sink.tagU32(TAG_ARRAY, fields.length);
  for (const f of fields) {
    sink.string(f.name);
    sink.string(String(f.type));
    sink.u8(f.nullable ? TAG_TRUE : TAG_FALSE);
  }
}

/**
 * A column's content, independent of how it is chunked into batches and of the bytes under null
 * cells: fixed-width values go in as raw bytes (null cells zeroed), and the indices of null cells go
 * into a side hash appended at the end.
 */
function writeColumn(vec: ArrowVector | null, enc: EncoderApi): void {
  const sink = enc.sink;
  if (!vec) {
    sink.u8(TAG_NULL);
    return;
  }
  sink.f64(vec.length);
  if (!FIXED_WIDTH.has(vec.type.typeId)) {
    for (const cell of vec) enc.nested(arrowCell(cell));
    return;
  }
  const validity = enc.acquireSink();
  let base = 0;
  let nulls = 0;
  for (const data of vec.data) {
    const n = data.length * data.stride;
    let view = data.values.subarray(0, n);
    if (data.nullCount > 0) {
      view = view.slice();
      const zeroed = view as unknown as { fill(v: unknown, a: number, b: number): void };
      const zero = typeof data.values[0] === 'bigint' ? 0n : 0;
      for (let i = 0; i < data.length; i++) {
        if (!data.getValid(i)) {
          zeroed.fill(zero, i * data.stride, (i + 1) * data.stride);
          validity.f64(base + i);
          nulls++;
        }
      }
    }
    writeElementBytes(enc, view, view.BYTES_PER_ELEMENT);
    base += data.length;
  }
  sink.f64(nulls);
  sink.bytes(validity.digestBytes());
  enc.releaseSink(validity);
}

/** Struct and map cells are row proxies; their JSON form is the plain data. */
function arrowCell(cell: unknown): unknown {
  if (cell !== null && typeof cell === 'object' && !ArrayBuffer.isView(cell)) {
    const proto = Object.getPrototypeOf(cell) as object | null;
    const name = (proto as { constructor?: { name?: string } } | null)?.constructor?.name;
    if (
      (name === 'StructRow' || name === 'MapRow') &&
      typeof (cell as { toJSON?: unknown }).toJSON === 'function'
    ) {
      return (cell as { toJSON(): unknown }).toJSON();
    }
  }
  return cell;
}

/** Table / RecordBatch: schema (names, type strings, nullability), row count, then each column. */
export function encodeArrowTabular(value: ArrowTabular, enc: EncoderApi): void {
  enc.sink.u8(Array.isArray(value.batches) ? TAG_ARROW_TABLE : TAG_ARROW_BATCH);
  const fields = value.schema.fields;
  writeSchema(fields, enc);
  enc.sink.f64(value.numRows);
  for (let i = 0; i < fields.length; i++) writeColumn(value.getChildAt(i), enc);
}

/** Vector: type string, then its content (chunking does not matter). */
export function encodeArrowVector(value: ArrowVector, enc: EncoderApi): void {
  enc.sink.u8(TAG_ARROW_VECTOR);
  enc.sink.string(String(value.type));
  writeColumn(value, enc);
}
