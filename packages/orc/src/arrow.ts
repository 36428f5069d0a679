/**
 * Apache Arrow conversion: `orcToArrow(bytes)` → arrow.Table and `arrowToOrc(table, opts)` → ORC bytes.
 *
 * Type mapping (both ways): Bool↔boolean, Int8↔tinyint, Int16↔smallint, Int32↔int, Int64↔bigint,
 * Float32↔float, Float64↔double, Utf8↔string, Binary↔binary, DateDay↔date, Timestamp↔timestamp (no time
 * zone) or timestamp with local time zone (with one), Decimal↔decimal, List↔list, Map↔map, Struct↔struct,
 * DenseUnion/SparseUnion↔union. ORC char/varchar read as Utf8. Also accepted on write: LargeUtf8,
 * LargeBinary, DateMillisecond, Uint8/16/32, dictionary-encoded strings.
 *
 * Arrow details ORC has no place for (timestamp unit and zone, union mode and type ids, child field names,
 * non-nullable fields, unsigned widths, schema metadata) are kept in ORC type attributes / user metadata,
 * so that `orcToArrow(arrowToOrc(t))` gives back the same types and values.
 */
import {
  Binary,
  Bool,
  DataType,
  DateDay,
  DateMillisecond,
  Decimal,
  DenseUnion,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  Map_,
  RecordBatch,
  Schema,
  SparseUnion,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Type,
  Uint16,
  Uint32,
  Uint8,
  Utf8,
  Null,
  makeData,
  makeVector,
  type Data,
} from 'apache-arrow';
import { OrcFormatError, wrapError } from './errors.js';
import { readOrc, type OrcFile, type ReadOptions } from './reader/reader.js';
import type { OrcType } from './schema.js';
import { concatVectors, type ColumnVector } from './vector.js';
import { writeOrc, type WriteOptions } from './writer/writer.js';

const UNIT_NS: Record<number, bigint> = {
  [TimeUnit.SECOND]: 1_000_000_000n,
  [TimeUnit.MILLISECOND]: 1_000_000n,
  [TimeUnit.MICROSECOND]: 1_000n,
  [TimeUnit.NANOSECOND]: 1n,
};
const UNIT_NAMES = ['SECOND', 'MILLISECOND', 'MICROSECOND', 'NANOSECOND'];
const SCHEMA_METADATA_KEY = 'arrow.schema.metadata';

// ---------------------------------------------------------------- ORC → Arrow

/**
 * Reads ORC bytes into an Arrow table (the file's root struct's fields become the table's columns; a
 * non-struct root becomes one column named `value`).
 *
 * @example
 * ```ts
 * const table = orcToArrow(readFileSync('data.orc'));
 * table.getChild('id')?.toArray();
 * ```
 * @throws OrcFormatError for invalid files, and for timestamps outside Arrow's 64-bit range in their unit.
 */
export function orcToArrow(bytes: Uint8Array, opts: ReadOptions = {}): Table {
  const file = readOrc(bytes, opts);
  try {
    return fileToArrow(file);
  } catch (err) {
    // Arrow rejects what a damaged file's attributes may ask for (e.g. clashing field names).
    throw wrapError(err, 'conversion to Arrow');
  }
}

function fileToArrow(file: OrcFile): Table {
  let root = file.data;
  if (root.type.kind !== 'struct') {
    const type: OrcType = { kind: 'struct', fields: [{ name: 'value', type: root.type }] };
    root = { type, length: root.length, present: null, children: [root] };
  }
  const st = root.type as Extract<OrcType, { kind: 'struct' }>;
  const fields = st.fields.map((f) => field(f.name, f.type));
  const metadata = new Map<string, string>();
  const meta = file.metadata[SCHEMA_METADATA_KEY];
  if (meta)
    for (const [k, v] of Object.entries(JSON.parse(new TextDecoder().decode(meta)) as Record<string, string>))
      metadata.set(k, v);
  const schema = new Schema(fields, metadata);
  const children = st.fields.map((f, i) => toData(root.children![i]!, fields[i]!.type));
  const structData = makeData({ type: new Struct(fields), length: root.length, nullCount: 0, children });
  return new Table(schema, [new RecordBatch(schema, structData)]);
}

function nullable(t: OrcType): boolean {
  return t.attributes?.['arrow.nullable'] !== 'false';
}

/** An Arrow field for an ORC type, with the nullability and metadata kept in its attributes. */
function field(name: string, t: OrcType, isNullable = nullable(t)): Field {
  const meta = t.attributes?.['arrow.metadata'];
  const metadata = meta ? new Map(Object.entries(JSON.parse(meta) as Record<string, string>)) : null;
  return new Field(name, arrowType(t), isNullable, metadata);
}

/** Keeps an Arrow field's metadata in its ORC type's attributes. */
function keepMeta(t: OrcType, f: Field): OrcType {
  if (f.metadata.size === 0) return t;
  return withAttrs(t, { 'arrow.metadata': JSON.stringify(Object.fromEntries(f.metadata)) });
}

function childName(t: OrcType, fallback: string): string {
  return t.attributes?.['arrow.name'] ?? fallback;
}

/**
 * The Arrow type an ORC type reads as (honouring the `arrow.*` attributes written by `arrowToOrc`).
 *
 * @example
 * ```ts
 * String(arrowType(parseSchema('array<decimal(10,2)>'))); // 'List<Decimal[10e+2]>'
 * ```
 */
const INDEX_TYPES: Record<string, () => DataType> = {
  Int8: () => new Int8(),
  Int16: () => new Int16(),
  Int32: () => new Int32(),
  Int64: () => new Int64(),
  Uint8: () => new Uint8(),
  Uint16: () => new Uint16(),
  Uint32: () => new Uint32(),
};

export function arrowType(t: OrcType): DataType {
  const a = t.attributes ?? {};
  const dictIndex = a['arrow.dictionary'];
  if (
    dictIndex &&
    INDEX_TYPES[dictIndex] &&
    (t.kind === 'string' || t.kind === 'varchar' || t.kind === 'char')
  ) {
    const { ['arrow.dictionary']: _drop, ...rest } = a;
    const valueType = arrowType({ ...t, attributes: rest });
    return new Dictionary(
      valueType,
      INDEX_TYPES[dictIndex]() as Int32,
      null,
      a['arrow.dictionary.ordered'] === 'true',
    );
  }
  switch (t.kind) {
    case 'boolean':
      return a['arrow.type'] === 'null' ? new Null() : new Bool();
    case 'tinyint':
      return new Int8();
    case 'smallint':
      return a['arrow.uint'] === '8' ? new Uint8() : new Int16();
    case 'int':
      return a['arrow.uint'] === '16' ? new Uint16() : new Int32();
    case 'bigint':
      return a['arrow.uint'] === '32' ? new Uint32() : new Int64();
    case 'float':
      return new Float32();
    case 'double':
      return new Float64();
    case 'string':
    case 'char':
    case 'varchar':
      return new Utf8();
    case 'binary':
      return new Binary();
    case 'date':
      return a['arrow.date.unit'] === 'MILLISECOND' ? new DateMillisecond() : new DateDay();
    case 'timestamp':
    case 'timestamp with local time zone': {
      const unit = UNIT_NAMES.indexOf(a['arrow.unit'] ?? 'NANOSECOND');
      const tz = t.kind === 'timestamp' ? null : (a['arrow.timezone'] ?? 'UTC');
      return new Timestamp(unit < 0 ? TimeUnit.NANOSECOND : unit, tz);
    }
    case 'decimal':
      return new Decimal(t.scale, t.precision, 128);
    case 'list':
      return new List(field(childName(t.element, 'item'), t.element));
    case 'map': {
      const entries = new Struct([
        field(childName(t.key, 'key'), t.key, false),
        field(childName(t.value, 'value'), t.value),
      ]);
      return new Map_(
        new Field(a['arrow.entries'] ?? 'entries', entries, false),
        a['arrow.keysSorted'] === 'true',
      );
    }
    case 'struct':
      return new Struct(t.fields.map((f) => field(f.name, f.type)));
    case 'union': {
      const fields = t.variants.map((v, i) => field(childName(v, String(i)), v));
      const ids = a['arrow.union.typeIds']?.split(',').map(Number) ?? t.variants.map((_, i) => i);
      return a['arrow.union.mode'] === 'sparse' ? new SparseUnion(ids, fields) : new DenseUnion(ids, fields);
    }
  }
}

function validity(v: ColumnVector): { nullCount: number; nullBitmap?: Uint8Array } {
  if (!v.present) return { nullCount: 0 };
  const bm = new Uint8Array(Math.ceil(v.length / 8));
  let nulls = 0;
  for (let i = 0; i < v.length; i++) {
    if (v.present[i]) bm[i >> 3]! |= 1 << (i & 7);
    else nulls++;
  }
  return nulls === 0 ? { nullCount: 0 } : { nullCount: nulls, nullBitmap: bm };
}

function utf8Data(strings: string[]): { offsets: Int32Array; bytes: Uint8Array } {
  const offsets = new Int32Array(strings.length + 1);
  let size = 0;
  for (const s of strings) size += s.length * 3;
  const buf = Buffer.allocUnsafe(Math.max(1, size));
  let pos = 0;
  for (let i = 0; i < strings.length; i++) {
    pos += buf.write(strings[i]!, pos, 'utf8');
    offsets[i + 1] = pos;
  }
  return { offsets, bytes: new Uint8Array(buf.buffer, buf.byteOffset, pos).slice() };
}

function toData(v: ColumnVector, type: DataType): Data {
  const length = v.length;
  const t = v.type;
  const va = validity(v);
  const base = { type, length, ...va } as const;
  if (type instanceof Null) return makeData({ type, length, nullCount: length });
  if (type instanceof Dictionary && v.strings) {
    // Rebuild the dictionary: distinct values in order of first appearance.
    const ids = new Map<string, number>();
    const indices = new (type.indices as Int32).ArrayType(length);
    for (let i = 0; i < length; i++) {
      if (v.present && !v.present[i]) continue;
      const s = v.strings[i]!;
      let id = ids.get(s);
      if (id === undefined) ids.set(s, (id = ids.size));
      indices[i] = typeof indices[0] === 'bigint' ? (BigInt(id) as never) : id;
    }
    const values: ColumnVector = {
      type: { kind: 'string' },
      length: ids.size,
      present: null,
      strings: [...ids.keys()],
    };
    const dictionary = makeVector(toData(values, type.dictionary as DataType) as Data<Utf8>);
    return makeData({ ...base, type, data: indices, dictionary });
  }
  switch (t.kind) {
    case 'boolean': {
      const bits = new Uint8Array(Math.ceil(length / 8));
      for (let i = 0; i < length; i++) if (v.values![i]) bits[i >> 3]! |= 1 << (i & 7);
      return makeData({ ...base, type: type as Bool, data: bits });
    }
    case 'tinyint':
    case 'float':
    case 'double':
      return makeData({ ...base, type: type as Int8, data: v.values as Int8Array });
    case 'smallint':
    case 'int': {
      if (type.typeId === Type.Int && (type as Uint8).isSigned === false) {
        const Ctor = (type as Uint8).ArrayType;
        return makeData({ ...base, type: type as Uint8, data: new Ctor(v.values!) as Uint8Array });
      }
      return makeData({ ...base, type: type as Int32, data: v.values as Int32Array });
    }
    case 'bigint': {
      if ((type as Uint32).isSigned === false) {
        const data = new Uint32Array(length);
        for (let i = 0; i < length; i++) data[i] = Number(v.bigints![i]!);
        return makeData({ ...base, type: type as Uint32, data });
      }
      return makeData({ ...base, type: type as Int64, data: v.bigints! });
    }
    case 'string':
    case 'char':
    case 'varchar': {
      const { offsets, bytes } = utf8Data(v.strings!);
      return makeData({ ...base, type: type as Utf8, valueOffsets: offsets, data: bytes });
    }
    case 'binary': {
      const offsets = new Int32Array(length + 1);
      let total = 0;
      for (let i = 0; i < length; i++) offsets[i + 1] = total += v.binaries![i]!.length;
      const bytes = new Uint8Array(total);
      for (let i = 0; i < length; i++) bytes.set(v.binaries![i]!, offsets[i]!);
      return makeData({ ...base, type: type as Binary, valueOffsets: offsets, data: bytes });
    }
    case 'date': {
      if (type instanceof DateMillisecond) {
        const data = new BigInt64Array(length);
        for (let i = 0; i < length; i++) data[i] = BigInt(v.values![i]!) * 86_400_000n;
        return makeData({ ...base, type, data });
      }
      return makeData({ ...base, type: type as DateDay, data: v.values as Int32Array });
    }
    case 'timestamp':
    case 'timestamp with local time zone': {
      const ts = type as Timestamp;
      const per = UNIT_NS[ts.unit]!;
      const data = new BigInt64Array(length);
      for (let i = 0; i < length; i++) {
        if (v.present && !v.present[i]) continue;
        const ns = BigInt(v.seconds![i]!) * 1_000_000_000n + BigInt(v.nanos![i]!);
        const x = ns / per;
        if (x !== BigInt.asIntN(64, x) || (ns % per !== 0n && per !== 1n))
          throw new OrcFormatError(
            `column ${t.kind} row ${i}: timestamp ${ns} ns does not fit an Arrow ${UNIT_NAMES[ts.unit]} timestamp`,
          );
        data[i] = x;
      }
      return makeData({ ...base, type: ts, data });
    }
    case 'decimal': {
      const data = new Uint32Array(length * 4);
      for (let i = 0; i < length; i++) {
        let u = BigInt.asUintN(128, v.decimals![i]!);
        for (let w = 0; w < 4; w++) {
          data[i * 4 + w] = Number(u & 0xffffffffn);
          u >>= 32n;
        }
      }
      return makeData({ ...base, type: type as Decimal, data });
    }
    case 'list': {
      const lt = type as List;
      return makeData({
        ...base,
        type: lt,
        valueOffsets: v.offsets!,
        child: toData(v.children![0]!, lt.children[0]!.type),
      });
    }
    case 'map': {
      const mt = type as Map_;
      const entriesType = mt.children[0]!.type as Struct;
      const [k, val] = v.children!;
      const child = makeData({
        type: entriesType,
        length: k!.length,
        nullCount: 0,
        children: [toData(k!, entriesType.children[0]!.type), toData(val!, entriesType.children[1]!.type)],
      });
      return makeData({ ...base, type: mt, valueOffsets: v.offsets!, child });
    }
    case 'struct': {
      const stt = type as Struct;
      return makeData({
        ...base,
        type: stt,
        children: v.children!.map((c, i) => toData(c, stt.children[i]!.type)),
      });
    }
    case 'union': {
      // Arrow unions have no validity of their own: a null ORC union becomes variant 0 holding null.
      const ut = type as DenseUnion | SparseUnion;
      const typeIds = new Int8Array(length);
      for (let i = 0; i < length; i++) typeIds[i] = ut.typeIds[v.tags![i]!]!;
      let children = v.children!;
      let offsets = v.unionOffsets!;
      if (v.present) {
        // Give each null entry a null slot in variant 0.
        const extra: number[] = [];
        offsets = new Int32Array(offsets);
        const c0 = children[0]!;
        for (let i = 0; i < length; i++) if (!v.present[i]) offsets[i] = c0.length + extra.push(i) - 1;
        if (extra.length) {
          const nulls: ColumnVector = { ...emptyLike(c0.type, extra.length) };
          children = [concatVectors(c0.type, [c0, nulls]), ...children.slice(1)];
        }
      }
      if (ut instanceof SparseUnion) {
        const sparse = children.map((c, k) =>
          gather(c, length, (i) =>
            v.tags![i] === k && (!v.present || v.present[i])
              ? offsets[i]!
              : k === 0 && v.present && !v.present[i]
                ? offsets[i]!
                : -1,
          ),
        );
        return makeData({
          type: ut,
          length,
          nullCount: 0,
          typeIds,
          children: sparse.map((c, k) => toData(c, ut.children[k]!.type)),
        });
      }
      return makeData({
        type: ut,
        length,
        nullCount: 0,
        typeIds,
        valueOffsets: offsets,
        children: children.map((c, k) => toData(c, ut.children[k]!.type)),
      });
    }
  }
}

/** A vector of `n` nulls of type `t`. */
function emptyLike(t: OrcType, n: number): ColumnVector {
  const out: ColumnVector = { type: t, length: n, present: new Uint8Array(n) };
  switch (t.kind) {
    case 'boolean':
    case 'tinyint':
      out.values = t.kind === 'boolean' ? new Uint8Array(n) : new Int8Array(n);
      break;
    case 'smallint':
      out.values = new Int16Array(n);
      break;
    case 'int':
    case 'date':
      out.values = new Int32Array(n);
      break;
    case 'float':
      out.values = new Float32Array(n);
      break;
    case 'double':
      out.values = new Float64Array(n);
      break;
    case 'bigint':
      out.bigints = new BigInt64Array(n);
      break;
    case 'string':
    case 'char':
    case 'varchar':
      out.strings = new Array<string>(n).fill('');
      break;
    case 'binary':
      out.binaries = new Array<Uint8Array>(n).fill(new Uint8Array(0));
      break;
    case 'timestamp':
    case 'timestamp with local time zone':
      out.seconds = new Float64Array(n);
      out.nanos = new Int32Array(n);
      break;
    case 'decimal':
      out.decimals = new Array<bigint>(n).fill(0n);
      break;
    case 'list':
      out.offsets = new Int32Array(n + 1);
      out.children = [emptyLike(t.element, 0)];
      break;
    case 'map':
      out.offsets = new Int32Array(n + 1);
      out.children = [emptyLike(t.key, 0), emptyLike(t.value, 0)];
      break;
    case 'struct':
      out.children = t.fields.map((f) => emptyLike(f.type, n));
      break;
    case 'union':
      out.tags = new Uint8Array(n);
      out.unionOffsets = new Int32Array(n);
      out.children = t.variants.map((x) => emptyLike(x, 0));
      break;
  }
  return out;
}

/** Picks entries of `c` (index -1 = null) into a new vector of `n` entries. */
function gather(c: ColumnVector, n: number, pick: (i: number) => number): ColumnVector {
  const idx = Array.from({ length: n }, (_, i) => pick(i));
  const rowsPresent = new Uint8Array(n);
  const parts: ColumnVector[] = [];
  for (let i = 0; i < n; i++) {
    const k = idx[i]!;
    if (k < 0) parts.push(emptyLike(c.type, 1));
    else {
      rowsPresent[i] = 1;
      parts.push(sliceOne(c, k));
    }
  }
  return parts.length ? concatVectors(c.type, parts) : emptyLike(c.type, 0);
}

function sliceOne(c: ColumnVector, k: number): ColumnVector {
  const one: ColumnVector = {
    type: c.type,
    length: 1,
    present: c.present ? c.present.slice(k, k + 1) : null,
  };
  if (c.values) one.values = c.values.slice(k, k + 1);
  if (c.bigints) one.bigints = c.bigints.slice(k, k + 1);
  if (c.strings) one.strings = c.strings.slice(k, k + 1);
  if (c.binaries) one.binaries = c.binaries.slice(k, k + 1);
  if (c.decimals) one.decimals = c.decimals.slice(k, k + 1);
  if (c.seconds) one.seconds = c.seconds.slice(k, k + 1);
  if (c.nanos) one.nanos = c.nanos.slice(k, k + 1);
  if (c.type.kind === 'struct') one.children = c.children!.map((ch) => sliceOne(ch, k));
  if (c.offsets) {
    const s = c.offsets[k]!;
    const e = c.offsets[k + 1]!;
    one.offsets = Int32Array.from([0, e - s]);
    one.children = c.children!.map((ch) =>
      concatVectors(
        ch.type,
        Array.from({ length: e - s }, (_, j) => sliceOne(ch, s + j)),
      ),
    );
    if (e === s) one.children = c.children!.map((ch) => emptyLike(ch.type, 0));
  }
  if (c.tags) {
    const tag = c.tags[k]!;
    one.tags = Uint8Array.of(tag);
    one.unionOffsets = Int32Array.of(0);
    one.children = c.children!.map((ch, j) =>
      j === tag && (!c.present || c.present[k]) ? sliceOne(ch, c.unionOffsets![k]!) : emptyLike(ch.type, 0),
    );
  }
  return one;
}

// ---------------------------------------------------------------- Arrow → ORC

/**
 * Writes an Arrow table as ORC bytes (its columns become the fields of the root struct).
 *
 * @example
 * ```ts
 * import { tableFromArrays } from 'apache-arrow';
 * const bytes = arrowToOrc(tableFromArrays({ id: Int32Array.from([1, 2]), name: ['a', 'b'] }), { compression: 'zstd' });
 * ```
 * @throws OrcFormatError for Arrow types ORC cannot hold (e.g. Uint64, Float16, Time, Interval).
 */
export function arrowToOrc(table: Table, opts: WriteOptions = {}): Uint8Array {
  const fields = table.schema.fields.map((f) => ({
    name: f.name,
    type: keepMeta(orcType(f.type, f.nullable, f.name), f),
  }));
  const type: OrcType = { kind: 'struct', fields };
  const columns = table.schema.fields.map((f, i) => {
    const vec = table.getChildAt(i)!;
    const parts = vec.data.map((d) => fromData(d, fields[i]!.type, f.name));
    return parts.length === 1
      ? parts[0]!
      : concatVectors(fields[i]!.type, parts.length ? parts : [emptyLike(fields[i]!.type, 0)]);
  });
  const root: ColumnVector = { type, length: table.numRows, present: null, children: columns };
  const metadata = { ...(opts.metadata ?? {}) };
  if (table.schema.metadata.size > 0)
    metadata[SCHEMA_METADATA_KEY] = JSON.stringify(Object.fromEntries(table.schema.metadata));
  return writeOrc(type, root, { ...opts, metadata });
}

function withAttrs(t: OrcType, attrs: Record<string, string | undefined>): OrcType {
  const a: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) a[k] = v;
  if (Object.keys(a).length > 0) t.attributes = { ...(t.attributes ?? {}), ...a };
  return t;
}

/**
 * The ORC type an Arrow type is written as.
 *
 * @example
 * ```ts
 * typeToString(orcType(new Map_(entriesField))); // 'map<string,int>'
 * ```
 * @throws OrcFormatError for Arrow types ORC cannot hold.
 */
export function orcType(type: DataType, isNullable = true, where = ''): OrcType {
  const nn = isNullable ? undefined : 'false';
  const at = (t: OrcType, extra: Record<string, string | undefined> = {}) =>
    withAttrs(t, { 'arrow.nullable': nn, ...extra });
  switch (type.typeId) {
    case Type.Bool:
      return at({ kind: 'boolean' });
    case Type.Int: {
      const it = type as unknown as { isSigned: boolean; bitWidth: number };
      if (it.isSigned) {
        const kind = ({ 8: 'tinyint', 16: 'smallint', 32: 'int', 64: 'bigint' } as const)[
          it.bitWidth as 8 | 16 | 32 | 64
        ];
        return at({ kind });
      }
      if (it.bitWidth === 64) throw new OrcFormatError(`column ${where}: Arrow Uint64 has no ORC type`);
      const kind = ({ 8: 'smallint', 16: 'int', 32: 'bigint' } as const)[it.bitWidth as 8 | 16 | 32];
      return at({ kind }, { 'arrow.uint': String(it.bitWidth) });
    }
    case Type.Float: {
      const ft = type as Float32;
      if (ft.precision === 0) throw new OrcFormatError(`column ${where}: Arrow Float16 has no ORC type`);
      return at({ kind: ft.precision === 1 ? 'float' : 'double' });
    }
    case Type.Utf8:
    case Type.LargeUtf8:
      return at({ kind: 'string' });
    case Type.Binary:
    case Type.LargeBinary:
      return at({ kind: 'binary' });
    case Type.Date:
      return at(
        { kind: 'date' },
        { 'arrow.date.unit': type instanceof DateMillisecond ? 'MILLISECOND' : undefined },
      );
    case Type.Timestamp: {
      const ts = type as Timestamp;
      const unit = ts.unit === TimeUnit.NANOSECOND ? undefined : UNIT_NAMES[ts.unit];
      if (ts.timezone) {
        return at(
          { kind: 'timestamp with local time zone' },
          { 'arrow.unit': unit, 'arrow.timezone': ts.timezone === 'UTC' ? undefined : ts.timezone },
        );
      }
      return at({ kind: 'timestamp' }, { 'arrow.unit': unit });
    }
    case Type.Decimal: {
      const d = type as Decimal;
      if (d.precision > 38)
        throw new OrcFormatError(`column ${where}: decimal precision ${d.precision} exceeds ORC's 38`);
      return at({ kind: 'decimal', precision: d.precision, scale: d.scale });
    }
    case Type.List: {
      const f = (type as List).children[0]!;
      const element = withAttrs(keepMeta(orcType(f.type, f.nullable, `${where}.${f.name}`), f), {
        'arrow.name': f.name === 'item' ? undefined : f.name,
      });
      return at({ kind: 'list', element });
    }
    case Type.Map: {
      const mt = type as Map_;
      const entries = mt.children[0]!;
      const [kf, vf] = (entries.type as Struct).children as [Field, Field];
      const key = withAttrs(keepMeta(orcType(kf.type, true, `${where}.key`), kf), {
        'arrow.name': kf.name === 'key' ? undefined : kf.name,
      });
      const value = withAttrs(keepMeta(orcType(vf.type, vf.nullable, `${where}.value`), vf), {
        'arrow.name': vf.name === 'value' ? undefined : vf.name,
      });
      return at(
        { kind: 'map', key, value },
        {
          'arrow.entries': entries.name === 'entries' ? undefined : entries.name,
          'arrow.keysSorted': mt.keysSorted ? 'true' : undefined,
        },
      );
    }
    case Type.Struct:
      return at({
        kind: 'struct',
        fields: (type as Struct).children.map((f) => ({
          name: f.name,
          type: keepMeta(orcType(f.type, f.nullable, `${where}.${f.name}`), f),
        })),
      });
    case Type.Union: {
      const ut = type as DenseUnion;
      const variants = ut.children.map((f, i) =>
        withAttrs(keepMeta(orcType(f.type, f.nullable, `${where}.${f.name}`), f), {
          'arrow.name': f.name === String(i) ? undefined : f.name,
        }),
      );
      const ids = Array.from(ut.typeIds);
      const defaultIds = ids.every((x, i) => x === i);
      return at(
        { kind: 'union', variants },
        {
          'arrow.union.mode': type instanceof SparseUnion ? 'sparse' : undefined,
          'arrow.union.typeIds': defaultIds ? undefined : ids.join(','),
        },
      );
    }
    case Type.Dictionary: {
      const dt = type as Dictionary;
      const inner = orcType(dt.dictionary as DataType, isNullable, where);
      // Only string dictionaries are rebuilt on read; others read back as their value type.
      if (inner.kind !== 'string') return inner;
      return withAttrs(inner, {
        'arrow.dictionary': String(dt.indices),
        'arrow.dictionary.ordered': dt.isOrdered ? 'true' : undefined,
      });
    }
    case Type.Null:
      return at({ kind: 'boolean' }, { 'arrow.type': 'null' });
    default:
      throw new OrcFormatError(`column ${where}: Arrow type ${String(type)} has no ORC type`);
  }
}

function presentOf(d: Data): Uint8Array | null {
  if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return null;
  const p = new Uint8Array(d.length);
  const bm = d.nullBitmap;
  for (let i = 0; i < d.length; i++) {
    const b = d.offset + i;
    p[i] = (bm[b >> 3]! >> (b & 7)) & 1;
  }
  return p;
}

function fromData(d: Data, t: OrcType, where: string): ColumnVector {
  const n = d.length;
  // Arrow JS slices value, offset and type-id buffers when it slices Data; `offset` then only applies to
  // the validity bitmap and to boolean values (bit-packed).
  const bitOff = d.offset;
  const off = 0;
  const out: ColumnVector = { type: t, length: n, present: presentOf(d) };
  const dt = d.type as DataType;
  if (dt.typeId === Type.Null) {
    out.present = new Uint8Array(n);
    out.values = new Uint8Array(n);
    return out;
  }
  if (dt.typeId === Type.Dictionary) {
    const dict = (d as unknown as { dictionary: { data: Data[] } }).dictionary;
    const dv = concatVectors(
      t,
      dict.data.map((x) => fromData(x, t, where)),
    );
    const idx = d.values as ArrayLike<number | bigint>;
    if (dv.strings) {
      // The common case (dictionary-encoded strings): pick the strings directly.
      out.strings = Array.from({ length: n }, (_, i) =>
        out.present && !out.present[i] ? '' : dv.strings![Number(idx[off + i]!)]!,
      );
      return out;
    }
    const picked: ColumnVector[] = [];
    for (let i = 0; i < n; i++)
      picked.push(out.present && !out.present[i] ? emptyLike(t, 1) : sliceOne(dv, Number(idx[off + i]!)));
    const res = picked.length ? concatVectors(t, picked) : emptyLike(t, 0);
    res.present = out.present;
    return res;
  }
  switch (t.kind) {
    case 'boolean': {
      const vals = new Uint8Array(n);
      const bits = d.values as Uint8Array;
      for (let i = 0; i < n; i++) vals[i] = (bits[(bitOff + i) >> 3]! >> ((bitOff + i) & 7)) & 1;
      out.values = vals;
      return out;
    }
    case 'tinyint':
    case 'float':
    case 'double':
      out.values = (d.values as Float64Array).slice(off, off + n);
      return out;
    case 'smallint':
      out.values = Int16Array.from((d.values as Int16Array).subarray(off, off + n));
      return out;
    case 'int':
      out.values = Int32Array.from((d.values as Int32Array).subarray(off, off + n));
      return out;
    case 'date': {
      if (dt instanceof DateMillisecond) {
        const src = d.values as unknown as BigInt64Array | Int32Array;
        const vals = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const ms =
            src instanceof BigInt64Array
              ? src[off + i]!
              : BigInt(src[(off + i) * 2]! >>> 0) + (BigInt(src[(off + i) * 2 + 1]!) << 32n);
          const q = ms / 86_400_000n;
          vals[i] = Number(ms < 0n && q * 86_400_000n !== ms ? q - 1n : q);
        }
        out.values = vals;
        return out;
      }
      out.values = (d.values as Int32Array).slice(off, off + n);
      return out;
    }
    case 'bigint': {
      const src = d.values as BigInt64Array | Uint32Array;
      out.bigints =
        src instanceof BigInt64Array
          ? src.slice(off, off + n)
          : BigInt64Array.from(src.subarray(off, off + n), (x) => BigInt(x));
      return out;
    }
    case 'string':
    case 'binary': {
      const offsets = d.valueOffsets as Int32Array | BigInt64Array;
      const bytes = d.values as Uint8Array;
      const at = (i: number) => Number(offsets[off + i]!);
      if (t.kind === 'binary') {
        out.binaries = Array.from({ length: n }, (_, i) => bytes.slice(at(i), at(i + 1)));
      } else {
        const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        out.strings = Array.from({ length: n }, (_, i) => buf.toString('utf8', at(i), at(i + 1)));
      }
      return out;
    }
    case 'timestamp':
    case 'timestamp with local time zone': {
      const per = UNIT_NS[(dt as Timestamp).unit]!;
      const src = d.values as BigInt64Array;
      out.seconds = new Float64Array(n);
      out.nanos = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const ns = src[off + i]! * per;
        let s = ns / 1_000_000_000n;
        let r = ns % 1_000_000_000n;
        if (r < 0n) {
          r += 1_000_000_000n;
          s -= 1n;
        }
        out.seconds[i] = Number(s);
        out.nanos[i] = Number(r);
      }
      return out;
    }
    case 'decimal': {
      const words = (dt as Decimal).bitWidth / 32;
      const src = d.values as Uint32Array;
      out.decimals = Array.from({ length: n }, (_, i) => {
        let u = 0n;
        for (let w = words - 1; w >= 0; w--) u = (u << 32n) | BigInt(src[(off + i) * words + w]!);
        return BigInt.asIntN(words * 32, u);
      });
      return out;
    }
    case 'list':
    case 'map': {
      const offsets = d.valueOffsets as Int32Array;
      out.offsets = offsets.slice(off, off + n + 1);
      const child = d.children[0]!;
      if (t.kind === 'list') out.children = [fromData(child, t.element, `${where}.item`)];
      else {
        // Map entries: a struct of key and value (entries are never null).
        const [k, v] = child.children as [Data, Data];
        out.children = [fromData(k, t.key, `${where}.key`), fromData(v, t.value, `${where}.value`)];
      }
      return out;
    }
    case 'struct':
      out.children = t.fields.map((f, i) => fromData(d.children[i]!, f.type, `${where}.${f.name}`));
      if (off !== 0 && out.children.some((c) => c.length !== n))
        throw new OrcFormatError(`column ${where}: sliced struct data is not supported`);
      return out;
    case 'union': {
      const ut = dt as DenseUnion | SparseUnion;
      const typeIds = d.typeIds as Int8Array;
      out.present = null; // Arrow unions carry nulls in their children
      out.tags = new Uint8Array(n);
      out.unionOffsets = new Int32Array(n);
      const toIndex = new Map<number, number>(Array.from(ut.typeIds).map((id, i) => [id, i]));
      const dense = ut instanceof DenseUnion;
      const offsets = d.valueOffsets as Int32Array | undefined;
      for (let i = 0; i < n; i++) {
        const tag = toIndex.get(typeIds[off + i]!);
        if (tag === undefined)
          throw new OrcFormatError(`column ${where} row ${i}: union type id ${typeIds[off + i]} unknown`);
        out.tags[i] = tag;
        out.unionOffsets[i] = dense ? offsets![off + i]! : off + i;
      }
      out.children = t.variants.map((v, k) => fromData(d.children[k]!, v, `${where}.${k}`));
      return out;
    }
    default:
      throw new OrcFormatError(`column ${where}: cannot convert Arrow ${String(dt)} to ORC ${t.kind}`);
  }
}
