import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Binary,
  Bool,
  DateDay,
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
  SparseUnion,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Utf8,
  Null,
  RecordBatch,
  Schema,
  makeData,
  makeVector,
  tableFromArrays,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { OrcFormatError, arrowToOrc, orcToArrow, readOrc, type Compression } from '../src/index.js';
import { vectorsDir } from './helpers.js';

const plain = (t: Table) =>
  JSON.stringify(t.toArray(), (_k, v: unknown) =>
    typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v,
  );

function bits(flags: boolean[]): Uint8Array {
  const b = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((f, i) => f && (b[i >> 3]! |= 1 << (i & 7)));
  return b;
}

/** A table with every mapped Arrow type, nulls included. */
function sampleTable(): Table {
  const n = 6;
  const valid = [true, true, false, true, true, true];
  const ts = (unit: TimeUnit, tz: string | null, vals: bigint[]) =>
    makeVector(
      makeData({
        type: new Timestamp(unit, tz),
        length: n,
        nullCount: 1,
        nullBitmap: bits(valid),
        data: BigInt64Array.from(vals),
      }),
    );
  const dec = new Uint32Array(n * 4);
  [1234n, -1n, 0n, 10n ** 30n, -(10n ** 37n), 5n].forEach((v, i) => {
    let u = BigInt.asUintN(128, v);
    for (let w = 0; w < 4; w++) {
      dec[i * 4 + w] = Number(u & 0xffffffffn);
      u >>= 32n;
    }
  });
  const i32 = vectorFromArray([1, 2, 3], new Int32());
  const str = vectorFromArray(['a', null, 'c'], new Utf8());
  const dense = new DenseUnion([0, 1], [new Field('i', new Int32(), true), new Field('s', new Utf8(), true)]);
  const union = makeVector(
    makeData({
      type: dense,
      length: n,
      nullCount: 0,
      typeIds: Int8Array.from([0, 1, 0, 1, 1, 0]),
      valueOffsets: Int32Array.from([0, 0, 1, 1, 2, 2]),
      children: [i32.data[0]!, str.data[0]!],
    }),
  );
  const sparseType = new SparseUnion(
    [5, 7],
    [new Field('x', new Float64(), true), new Field('y', new Bool(), true)],
  );
  const sparse = makeVector(
    makeData({
      type: sparseType,
      length: n,
      nullCount: 0,
      typeIds: Int8Array.from([5, 7, 7, 5, 5, 7]),
      children: [
        vectorFromArray([1.5, 0, 0, -2, null, 0], new Float64()).data[0]!,
        vectorFromArray([false, true, null, false, false, false], new Bool()).data[0]!,
      ],
    }),
  );
  return new Table({
    b: vectorFromArray([true, false, null, true, false, true], new Bool()),
    i8: vectorFromArray([1, -128, null, 127, 0, 5], new Int8()),
    i16: vectorFromArray([1, -32768, null, 32767, 0, 5], new Int16()),
    i32: vectorFromArray([1, -(2 ** 31), null, 2 ** 31 - 1, 0, 5], new Int32()),
    i64: vectorFromArray([1n, -(2n ** 63n), null, 2n ** 63n - 1n, 0n, 5n], new Int64()),
    f32: vectorFromArray([1.5, -0, null, Infinity, 3.25, -1e30], new Float32()),
    f64: vectorFromArray([1.5, -0, null, NaN, 1e-300, -1e300], new Float64()),
    s: vectorFromArray(['héllo', '', null, '😀', 'x'.repeat(1000), 'z'], new Utf8()),
    bin: vectorFromArray(
      [
        new Uint8Array([1, 2]),
        new Uint8Array(0),
        null,
        new Uint8Array([255]),
        new Uint8Array([0]),
        new Uint8Array([9]),
      ],
      new Binary(),
    ),
    d: makeVector(
      makeData({
        type: new DateDay(),
        length: n,
        nullCount: 1,
        nullBitmap: bits(valid),
        data: Int32Array.from([0, -25567, 0, 18000, 2932896, -1]),
      }),
    ),
    tsn: ts(TimeUnit.NANOSECOND, null, [
      1_700_000_000_123_456_789n,
      -1_500_000_000n,
      0n,
      0n,
      1n,
      -(2n ** 62n),
    ]),
    tsm: ts(TimeUnit.MILLISECOND, null, [1_700_000_000_123n, -1_500n, 0n, 0n, 1n, 5n]),
    tsu: ts(TimeUnit.MICROSECOND, 'UTC', [1n, -2n, 0n, 3n, 4n, 5n]),
    tsz: ts(TimeUnit.SECOND, 'Europe/Paris', [1n, -2n, 0n, 3n, 4n, 5n]),
    dec: makeVector(
      makeData({
        type: new Decimal(2, 38, 128),
        length: n,
        nullCount: 1,
        nullBitmap: bits(valid),
        data: dec,
      }),
    ),
    list: vectorFromArray(
      [[1, null], [], null, [4], [5, 6, 7], null],
      new List(new Field('item', new Int32(), true)),
    ),
    list2: vectorFromArray(
      [['a'], [], null, [], ['b'], ['c']],
      new List(new Field('element', new Utf8(), false)),
    ),
    map: vectorFromArray(
      [
        new Map([['k', 1]]),
        new Map(),
        null,
        new Map([
          ['a', null],
          ['b', 2],
        ]),
        new Map([['z', 9]]),
        new Map(),
      ],
      new Map_(
        new Field(
          'entries',
          new Struct([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]),
          false,
        ) as unknown as Field<Struct<{ key: Utf8; value: Int32 }>>,
      ),
    ),
    st: vectorFromArray(
      [{ x: 1, y: 'a' }, { x: null, y: 'b' }, null, { x: 3, y: null }, { x: 4, y: 'd' }, { x: 5, y: 'e' }],
      new Struct([new Field('x', new Int32(), true), new Field('y', new Utf8(), true)]),
    ),
    u: union,
    su: sparse,
  });
}

const codecs: Compression[] = ['none', 'zlib', 'snappy', 'lz4', 'zstd'];

describe('Arrow conversion', () => {
  const table = sampleTable();
  for (const compression of codecs) {
    it(`Arrow → ORC → Arrow is exact (${compression})`, () => {
      const back = orcToArrow(arrowToOrc(table, { compression }));
      expect(back.schema.toString()).toBe(table.schema.toString());
      expect(back.schema.fields.map((f) => [f.name, f.nullable, String(f.type)])).toEqual(
        table.schema.fields.map((f) => [f.name, f.nullable, String(f.type)]),
      );
      expect(back.numRows).toBe(table.numRows);
      for (const f of table.schema.fields) {
        expect([f.name, plain(back.select([f.name]))]).toEqual([f.name, plain(table.select([f.name]))]);
      }
      for (const name of ['f32', 'f64']) {
        expect(Object.is(back.getChild(name)!.get(1), -0)).toBe(true);
      }
      expect(back.getChild('f64')!.get(3)).toBeNaN();
    });
  }

  it('keeps schema metadata and multi-batch tables', () => {
    const t1 = new Table({ a: vectorFromArray([1, 2], new Int32()) });
    const t2 = new Table({ a: vectorFromArray([3, null], new Int32()) });
    const both = t1.concat(t2);
    both.schema.metadata.set('origin', 'test');
    const back = orcToArrow(arrowToOrc(both));
    expect(back.getChild('a')!.toArray()).toEqual(Int32Array.from([1, 2, 3, 0]));
    expect(back.getChild('a')!.get(3)).toBeNull();
    expect(back.schema.metadata.get('origin')).toBe('test');
  });

  it('sliced tables and multi-batch nested columns', () => {
    const t = sampleTable();
    const parts = t.slice(1, 4).concat(t.slice(4), t.slice(0, 2));
    expect(parts.batches.length).toBeGreaterThan(1);
    const back = orcToArrow(arrowToOrc(parts, { stripeRows: 3 }));
    for (const f of t.schema.fields) {
      expect([f.name, plain(back.select([f.name]))]).toEqual([f.name, plain(parts.select([f.name]))]);
    }
  });

  it('dictionary-encoded strings (as tableFromArrays makes them) and Null columns come back as they were', () => {
    const t = tableFromArrays({ id: Int32Array.from([1, 2, 3, 4]), name: ['a', 'b', 'a', 'c'] });
    const withNull = t.assign(
      new Table({ nothing: makeVector(makeData({ type: new Null(), length: 4, nullCount: 4 })) }),
    );
    const back = orcToArrow(arrowToOrc(withNull));
    expect(back.schema.toString()).toBe(withNull.schema.toString());
    expect(plain(back)).toBe(plain(withNull));
    const small = new Table({
      s: makeVector(
        makeData({
          type: new Dictionary(new Utf8(), new Int8()),
          length: 3,
          nullCount: 1,
          nullBitmap: bits([true, false, true]),
          data: Int8Array.from([1, 0, 0]),
          dictionary: vectorFromArray(['x', 'y'], new Utf8()),
        }),
      ),
    });
    const back2 = orcToArrow(arrowToOrc(small));
    expect(String(back2.schema.fields[0]!.type)).toBe('Dictionary<Int8, Utf8>');
    expect(plain(back2)).toBe(plain(small));
  });

  it('field metadata, nested too', () => {
    const st = new Struct([new Field('x', new Int32(), true, new Map([['unit', 'cm']]))]);
    const fields = [new Field('a', new Int32(), false, new Map([['k', 'v']])), new Field('st', st, true)];
    const schema = new Schema(fields);
    const data = makeData({
      type: new Struct(fields),
      length: 2,
      nullCount: 0,
      children: [
        vectorFromArray([1, 2], new Int32()).data[0]!,
        vectorFromArray([{ x: 1 }, { x: null }], st).data[0]!,
      ],
    });
    const t = new Table(schema, [new RecordBatch(schema, data)]);
    const back = orcToArrow(arrowToOrc(t));
    expect(back.schema.fields[0]!.metadata.get('k')).toBe('v');
    expect(back.schema.fields[0]!.nullable).toBe(false);
    expect((back.schema.fields[1]!.type as Struct).children[0]!.metadata.get('unit')).toBe('cm');
    expect(plain(back)).toBe(plain(t));
  });

  it('0-row tables', () => {
    const t = new Table({ a: vectorFromArray([], new Int32()), s: vectorFromArray([], new Utf8()) });
    const back = orcToArrow(arrowToOrc(t));
    expect(back.numRows).toBe(0);
    expect(back.schema.toString()).toBe(t.schema.toString());
  });

  it('rejects Arrow types ORC cannot hold, naming the column', () => {
    const t = new Table({ u: vectorFromArray([1n], new (class extends Int64 {})()) });
    expect(() => arrowToOrc(t)).not.toThrow();
    const bad = new Table({ big: makeVector(BigUint64Array.from([1n])) as Vector });
    expect(() => arrowToOrc(bad)).toThrow(OrcFormatError);
    expect(() => arrowToOrc(bad)).toThrow(/column big: Arrow Uint64 has no ORC type/);
  });

  it('ORC example files read into Arrow with the same values as readOrc', () => {
    for (const f of [
      'TestOrcFile.test1.orc',
      'TestOrcFile.testUnionAndTimestamp.orc',
      'decimal.orc',
      'over1k_bloom.orc',
    ]) {
      const bytes = readFileSync(join(vectorsDir, f));
      const file = readOrc(bytes);
      const table = orcToArrow(bytes);
      expect(table.numRows).toBe(file.numRows);
      const rows = file.rows() as Record<string, unknown>[];
      const names = table.schema.fields.map((x) => x.name);
      for (let i = 0; i < Math.min(rows.length, 200); i++) {
        for (const name of names) {
          const ours = rows[i]![name];
          const arrow = table.getChild(name)!.get(i) as unknown;
          if (ours === null) expect(arrow ?? null).toBeNull();
          else if (typeof ours === 'bigint' && table.getChild(name)!.type instanceof Timestamp)
            expect(arrow).toBeCloseTo(Number(ours) / 1e6, 2); // Arrow JS gives timestamps as float ms
          else if (typeof ours === 'string' && table.getChild(name)!.type instanceof Decimal) {
            expect(String(arrow)).toBe(ours.replace('.', '').replace(/^(-?)0+(?=\d)/, '$1'));
          } else if (
            typeof ours === 'number' ||
            typeof ours === 'bigint' ||
            typeof ours === 'string' ||
            typeof ours === 'boolean'
          )
            expect(arrow).toBe(ours);
        }
      }
    }
  });
});
