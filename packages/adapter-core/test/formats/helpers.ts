import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Bool,
  Dictionary,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  LargeUtf8,
  List,
  Null,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  TimestampMillisecond,
  TimestampNanosecond,
  TimestampSecond,
  Type,
  Uint32,
  Uint64,
  Utf8,
  DateDay,
  DateMillisecond,
  makeData,
  RecordBatch,
  makeVector,
  vectorFromArray,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { afterAll, expect } from 'vitest';
import type { FormatContext } from '../../src/formats/result-format.js';

const created: string[] = [];

export function tempDir(prefix = 'dagcache-formats-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// Registered while the importing spec file is collected, so it runs after that file's tests.
afterAll(() => {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function context(options?: Record<string, unknown>): FormatContext {
  return { nodeName: 'my_node', fileDir: tempDir(), ...(options ? { options } : {}) };
}

/** Flat records: every type every tabular format holds, with nulls, edge numbers and awkward text. */
export function flatRecords(): Record<string, unknown>[] {
  return [
    {
      f: 1.5,
      i: -9223372036854775808n,
      s: 'plain',
      b: true,
      d: new Date('2024-02-29T12:34:56.789Z'),
      n: null,
    },
    { f: -0, i: -1n, s: '', b: false, d: new Date('1969-12-31T23:59:59.999Z'), n: null },
    { f: Number.NaN, i: null, s: null, b: null, d: null, n: null },
    {
      f: Number.POSITIVE_INFINITY,
      i: 0n,
      s: 'comma, "quote"\nnew line\r\nCRLF',
      b: true,
      d: new Date(0),
      n: null,
    },
    {
      f: 0.1 + 0.2,
      i: 9007199254740993n,
      s: 'ünïcødé 日本語 🎉 \t tab',
      b: false,
      d: new Date('0001-01-01T00:00:00Z'),
      n: null,
    },
    {
      f: null,
      i: 42n,
      s: ' leading and trailing spaces ',
      b: true,
      d: new Date('9999-12-31T23:59:59.999Z'),
      n: null,
    },
    { f: -1e-300, i: 7n, s: '123', b: false, d: new Date(1), n: null },
    { f: 5e300, i: 8n, s: 'null', b: true, d: new Date(2), n: null },
  ];
}

/** Records with nested lists and structs (parquet, feather). */
export function nestedRecords(): Record<string, unknown>[] {
  return [
    {
      tags: ['a', 'b'],
      point: { x: 1, y: 2n, label: 'p', when: new Date(5) },
      matrix: [[1, 2], [3]],
      items: [{ k: 'x', v: [true, null] }],
      maybe: null,
    },
    { tags: [], point: null, matrix: [[], null], items: [], maybe: null },
    {
      tags: null,
      point: { x: null, y: null, label: null, when: null },
      matrix: null,
      items: null,
      maybe: null,
    },
  ];
}

function raw<T extends DataType>(type: T, values: (bigint | number | null)[]): Vector {
  const n = values.length;
  const Arr = (type as unknown as { ArrayType: new (n: number) => Record<number, unknown> }).ArrayType;
  const data = new Arr(n);
  const bitmap = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => {
    if (v === null) nulls++;
    else {
      data[i] = v;
      bitmap[i >> 3]! |= 1 << (i & 7);
    }
  });
  return makeVector(
    makeData({ type: type as never, length: n, nullCount: nulls, nullBitmap: bitmap, data: data as never }),
  );
}

/** An Arrow table with many flat types, field metadata and schema metadata. */
export function flatArrowTable(): Table {
  const cols: [string, Vector, boolean?][] = [
    ['i8', vectorFromArray([1, -128, null, 127], new Int8())],
    ['i16', vectorFromArray([1, -32768, null, 32767], new Int16())],
    ['i32', vectorFromArray([1, -2147483648, null, 2147483647], new Int32()), true],
    ['u32', vectorFromArray([0, 4294967295, null, 7], new Uint32())],
    ['i64', raw(new Int64(), [9223372036854775807n, -9223372036854775808n, null, 0n])],
    ['u64', raw(new Uint64(), [18446744073709551615n, 0n, null, 1n])],
    ['f32', vectorFromArray([1.5, -0, null, Number.POSITIVE_INFINITY], new Float32())],
    ['f64', vectorFromArray([Math.PI, Number.NaN, null, -Number.MAX_VALUE], new Float64())],
    ['bool', vectorFromArray([true, false, null, true], new Bool())],
    ['utf8', vectorFromArray(['x', '', null, '"\n,'], new Utf8())],
    ['large', vectorFromArray(['é', '', null, 'z'], new LargeUtf8())],
    ['dict', vectorFromArray(['red', 'blue', null, 'red'], new Dictionary(new Utf8(), new Int32()))],
    ['day', raw(new DateDay(), [0, -1, null, 19782])],
    ['date64', raw(new DateMillisecond(), [0n, 86400000n, null, 1709210096000n])],
    ['ts_s', raw(new TimestampSecond(), [1n, -1n, null, 253402300799n])],
    ['ts_ms', raw(new TimestampMillisecond('UTC'), [1709210096789n, -1n, null, 0n])],
    ['ts_us', raw(new TimestampMicrosecond(), [1709210096789123n, -1n, null, 1n])],
    ['ts_ns', raw(new TimestampNanosecond('Europe/Paris'), [1709210096789123456n, -1n, null, 1n])],
    ['nothing', vectorFromArray([null, null, null, null], new Null())],
  ];
  const fields = cols.map(
    ([name, v, required]) =>
      new Field(name, v.type, !required, name === 'i8' ? new Map([['unit', 'kg']]) : undefined),
  );
  const schema = new Schema(fields, new Map([['source', 'dagcache test']]));
  // i32 is declared non-nullable: give it no nulls.
  const vectors = cols.map(([name, v]) =>
    name === 'i32' ? vectorFromArray([1, -2147483648, 0, 2147483647], new Int32()) : v,
  );
  const t = new Table(Object.fromEntries(cols.map(([name], i) => [name, vectors[i]!])));
  // Re-declare the batches with the exact schema (nullability and metadata).
  return new Table(t.batches.map((b) => new RecordBatch(schema, b.data)));
}

/** An Arrow table with nested types (parquet, feather). */
export function nestedArrowTable(): Table {
  const item = new Field('item', new Int32(), true);
  const struct = new Struct([new Field('a', new Float64(), true), new Field('b', new Utf8(), false)]);
  return new Table({
    list: vectorFromArray([[1, 2], [], null], new List(item)),
    st: vectorFromArray([{ a: 1, b: 'x' }, { a: null, b: '' }, null], struct),
    lol: vectorFromArray(
      [[['a'], []], null, [null]],
      new List(new Field('item', new List(new Field('item', new Utf8(), true)), true)),
    ),
  });
}

function typeSig(type: DataType): string {
  const kids = (type.children ?? []).map((c) => `${c.name}${c.nullable ? '?' : ''}:${typeSig(c.type)}`);
  return kids.length ? `${String(type)}{${kids.join(',')}}` : String(type);
}

/** Cells of a vector in a comparable form: exact raw values for 64-bit/temporal types, JSON otherwise. */
function cells(vector: Vector): unknown[] {
  const out: unknown[] = [];
  const t = vector.type;
  const rawTyped =
    (t.typeId === Type.Int && (t as Int64).bitWidth === 64) ||
    t.typeId === Type.Timestamp ||
    t.typeId === Type.Date;
  for (const data of vector.data) {
    const v = makeVector(data);
    for (let i = 0; i < data.length; i++) {
      if (!data.getValid(i)) out.push('<null>');
      else if (rawTyped) out.push(`raw:${String((data.values as ArrayLike<unknown>)[i])}`);
      else {
        const x = v.get(i);
        out.push(
          JSON.stringify(
            x && typeof x === 'object' && 'toJSON' in x ? (x as { toJSON(): unknown }).toJSON() : x,
            (_k, y) =>
              typeof y === 'bigint'
                ? `${y}n`
                : typeof y === 'number'
                  ? Object.is(y, -0)
                    ? '-0'
                    : String(y)
                  : y,
          ),
        );
      }
    }
  }
  return out;
}

/** Asserts two Arrow tables have the same schema (types, nullability, metadata) and the same cells. */
export function expectSameTable(actual: unknown, expected: Table): void {
  expect(actual).toBeInstanceOf(Table);
  const a = actual as Table;
  const describe = (s: Schema) => ({
    fields: s.fields.map((f) => ({
      name: f.name,
      type: typeSig(f.type),
      nullable: f.nullable,
      meta: [...f.metadata],
    })),
    meta: [...s.metadata],
  });
  expect(describe(a.schema)).toEqual(describe(expected.schema));
  expect(a.numRows).toBe(expected.numRows);
  for (const f of expected.schema.fields) {
    expect(cells(a.getChild(f.name)!), `column ${f.name}`).toEqual(cells(expected.getChild(f.name)!));
  }
}

/** Deep equality that tells -0 from 0, NaN from null and bigint from number (toEqual does not). */
export function expectSameRecords(actual: unknown, expected: Record<string, unknown>[]): void {
  const enc = (x: unknown) =>
    JSON.stringify(x, function (this: Record<string, unknown>, k, y) {
      const orig = this[k];
      if (orig instanceof Date) return `Date(${orig.getTime()})`;
      if (typeof y === 'bigint') return `${y}n`;
      if (typeof y === 'number') return Object.is(y, -0) ? 'num:-0' : `num:${String(y)}`;
      return y;
    });
  expect(Array.isArray(actual)).toBe(true);
  const a = actual as Record<string, unknown>[];
  expect(a.length).toBe(expected.length);
  a.forEach((row, i) => {
    expect(Object.keys(row).sort(), `row ${i} keys`).toEqual(Object.keys(expected[i]!).sort());
    for (const k of Object.keys(expected[i]!)) {
      expect(enc(row[k]), `row ${i} column ${k}`).toBe(enc(expected[i]![k]));
      const ev = expected[i]![k];
      if (ev instanceof Date) expect(row[k]).toBeInstanceOf(Date);
    }
  });
}
