import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type, type Table } from 'apache-arrow';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { readParquetTable } from '../../src/formats/parquet.js';
import { tableToRecords } from '../../src/formats/tabular/records.js';

// The apache/parquet-testing files kept in /work/shared/vectors/parquet (five levels up from this file:
// formats → test → adapter-core → packages → main → /work).
const VECTORS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/vectors/parquet');
const read = (file: string): Table => readParquetTable(readFileSync(join(VECTORS, file)));

/** Text of a cell the way the *_expect.csv files write it (null → null). */
function cellText(table: Table, col: number, row: number): string | null {
  const v = table.getChildAt(col)!.get(row);
  return v === null || v === undefined ? null : String(v);
}

describe('parquet-testing vectors (read with the library dagcache uses)', () => {
  it('the vectors folder is where the test expects it', () => {
    expect(existsSync(join(VECTORS, 'README.md'))).toBe(true);
  });

  describe.each([
    'delta_binary_packed',
    'delta_byte_array',
    'delta_encoding_optional_column',
    'delta_encoding_required_column',
  ])('%s.parquet matches %s_expect.csv', (name) => {
    it('every cell', () => {
      const table = read(`${name}.parquet`);
      const rows = parse(readFileSync(join(VECTORS, `${name}_expect.csv`), 'utf8'), {
        cast: (v, c) => (v === '' && !c.quoting ? null : v),
      }) as (string | null)[][];
      const [header, ...expected] = rows;
      expect(table.numCols).toBe(header!.length);
      expect(table.numRows).toBe(expected.length);
      // Column names differ in spacing/colons between the files and the CSVs, so compare by position.
      const actual = expected.map((_, r) => header!.map((_h, c) => cellText(table, c, r)));
      expect(actual).toEqual(expected);
    });
  });

  it('delta_byte_array.parquet: null counts listed in delta_byte_array.md', () => {
    const t = read('delta_byte_array.parquet');
    const nulls = Object.fromEntries(t.schema.fields.map((f, i) => [f.name, t.getChildAt(i)!.nullCount]));
    expect(nulls).toMatchObject({
      c_customer_id: 0,
      c_salutation: 30,
      c_first_name: 32,
      c_last_name: 24,
      c_login: 1000,
    });
  });

  it('int32_with_null_pages.parquet: 1000 values, 275 nulls, min/max from the .md', () => {
    const col = read('int32_with_null_pages.parquet').getChild('int32_field')!;
    expect(col.length).toBe(1000);
    expect(col.nullCount).toBe(275);
    const values = [...col].filter((v): v is number => v !== null);
    expect(Math.min(...values)).toBe(-2136906554);
    expect(Math.max(...values)).toBe(2145722375);
  });

  it('fixed_length_byte_array.parquet: 1000 values, 105 nulls, descending from 0x3E8 to 0x1', () => {
    const col = read('fixed_length_byte_array.parquet').getChild('flba_field')!;
    expect(col.type.typeId).toBe(Type.FixedSizeBinary);
    expect(col.nullCount).toBe(105);
    const ints = [...col].filter((v) => v !== null).map((v) => Buffer.from(v as Uint8Array).readUInt32BE());
    expect(ints[0]).toBe(0x3e8);
    expect(ints.at(-1)).toBe(0x1);
    expect(ints.every((v, i) => i === 0 || v < ints[i - 1]!)).toBe(true);
  });

  it('int96_from_spark.parquet: the timestamps from the .md that fit 64-bit nanoseconds', () => {
    const col = read('int96_from_spark.parquet').getChild('a')!;
    expect(String(col.type)).toBe('Timestamp<NANOSECOND>');
    const raw = col.data[0]!.values as BigInt64Array;
    // microseconds in the .md; rows 2 and 5 (years 9999 and 290000) do not fit int64 nanoseconds.
    expect(raw[0]).toBe(1704141296123456n * 1000n);
    expect(raw[1]).toBe(1704070800000000n * 1000n);
    expect(raw[3]).toBe(1735599600000000n * 1000n);
    expect(col.get(4)).toBeNull();
  });

  it('old_list_structure.parquet: legacy two-level LIST<LIST<INT32>> is [[1, 2], [3, 4]]', () => {
    expect(tableToRecords(read('old_list_structure.parquet'))).toEqual([
      {
        a: [
          [1, 2],
          [3, 4],
        ],
      },
    ]);
  });

  it('map_no_value.parquet: the list columns from the .md', () => {
    const records = tableToRecords(read('map_no_value.parquet'));
    expect(records.map((r) => r.my_list)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expect(records.map((r) => r.my_map_no_v)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
  });

  it('README entries: null_list, nan_in_stats, concatenated gzip members, empty v2 pages, checksummed pages', () => {
    expect(tableToRecords(read('null_list.parquet'))).toEqual([{ emptylist: [] }]);
    const nan = read('nan_in_stats.parquet').getChild('x')!;
    expect(nan.get(0)).toBe(1);
    expect(Number.isNaN(nan.get(1))).toBe(true);
    const longs = read('concatenated_gzip_members.parquet').getChild('long_col')!;
    expect(longs.length).toBe(513);
    expect([...longs]).toEqual(Array.from({ length: 513 }, (_, i) => BigInt(i + 1)));
    const empty = read('page_v2_empty_compressed.parquet').getChild('integer_column')!;
    expect(empty.nullCount).toBe(empty.length);
    expect(tableToRecords(read('datapage_v2_empty_datapage.snappy.parquet'))).toEqual([{ value: null }]);
    for (const f of [
      'datapage_v1-uncompressed-checksum.parquet',
      'datapage_v1-snappy-compressed-checksum.parquet',
    ]) {
      const t = read(f);
      expect(t.schema.fields.map((x) => `${x.name}:${String(x.type)}`)).toEqual(['a:Int32', 'b:Int32']);
      expect(t.numRows).toBe(5120);
    }
  });

  it('nested_lists, nested_maps, nested_structs, nullable.impala read with their nested types', () => {
    expect(String(read('nested_lists.snappy.parquet').schema.fields[0]!.type)).toBe('List<List<List<Utf8>>>');
    expect(read('nested_maps.snappy.parquet').numRows).toBe(6);
    expect(read('nested_structs.rust.parquet').schema.fields[0]!.type.typeId).toBe(Type.Struct);
    expect(read('nullable.impala.parquet').numRows).toBe(7);
  });
});
