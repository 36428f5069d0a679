import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/registry.js';
import type { FormatName } from '../../src/formats/result-format.js';
import {
  context,
  expectSameRecords,
  flatArrowTable,
  flatRecords,
  nestedRecords,
  tempDir,
} from './helpers.js';

// DuckDB is an independent implementation (C++): files dagcache writes must read correctly there too.
let instance: DuckDBInstance;
let con: DuckDBConnection;
const dir = tempDir('dagcache-duckdb-');

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  con = await instance.connect();
});
afterAll(() => {
  con.closeSync();
  instance.closeSync();
});

async function writeWith(format: FormatName, value: unknown, file: string): Promise<string> {
  const { bytes } = await (await getFormat(format)).encode(value, context());
  const path = join(dir, file);
  writeFileSync(path, bytes);
  return path;
}

async function query(sql: string) {
  const reader = await con.runAndReadAll(sql);
  const types = reader.columnTypes().map(String);
  return {
    columns: Object.fromEntries(reader.columnNames().map((n, i) => [n, types[i]])),
    rows: reader.getRowObjectsJS() as Record<string, unknown>[],
    json: reader.getRowObjectsJson() as Record<string, unknown>[],
  };
}

describe('DuckDB reads what dagcache writes', () => {
  it('parquet from records: types and every value', async () => {
    const path = await writeWith('parquet', flatRecords(), 'flat.parquet');
    const { columns, rows } = await query(`select * from read_parquet('${path}')`);
    expect(columns).toMatchObject({
      f: 'DOUBLE',
      i: 'BIGINT',
      s: 'VARCHAR',
      b: 'BOOLEAN',
      d: 'TIMESTAMP WITH TIME ZONE',
    });
    expectSameRecords(rows, flatRecords());
  });

  it('parquet with nested lists and structs', async () => {
    const path = await writeWith('parquet', nestedRecords(), 'nested.parquet');
    const { columns, rows } = await query(`select * from read_parquet('${path}')`);
    expect(columns).toMatchObject({
      tags: 'VARCHAR[]',
      point: 'STRUCT("x" DOUBLE, "y" BIGINT, "label" VARCHAR, "when" TIMESTAMP WITH TIME ZONE)',
      matrix: 'DOUBLE[][]',
      items: 'STRUCT("k" VARCHAR, "v" BOOLEAN[])[]',
    });
    expectSameRecords(rows, nestedRecords());
  });

  it.each(['snappy', 'zstd'])(
    'parquet from an Arrow table (%s): integer widths, dictionaries, dates, timestamps',
    async (compression) => {
      const { bytes } = await (await getFormat('parquet')).encode(flatArrowTable(), context({ compression }));
      const path = join(dir, `arrow-${compression}.parquet`);
      writeFileSync(path, bytes);
      const { columns, json } = await query(
        `select i8, u32, i64, u64, dict, day, ts_ms, ts_us from read_parquet('${path}')`,
      );
      expect(columns).toEqual({
        i8: 'TINYINT',
        u32: 'UINTEGER',
        i64: 'BIGINT',
        u64: 'UBIGINT',
        dict: 'VARCHAR',
        day: 'DATE',
        ts_ms: 'TIMESTAMP WITH TIME ZONE',
        ts_us: 'TIMESTAMP',
      });
      expect(json).toEqual([
        {
          i8: 1,
          u32: 0,
          i64: '9223372036854775807',
          u64: '18446744073709551615',
          dict: 'red',
          day: '1970-01-01',
          ts_ms: '2024-02-29 12:34:56.789+00',
          ts_us: '2024-02-29 12:34:56.789123',
        },
        {
          i8: -128,
          u32: 4294967295,
          i64: '-9223372036854775808',
          u64: '0',
          dict: 'blue',
          day: '1969-12-31',
          ts_ms: '1969-12-31 23:59:59.999+00',
          ts_us: '1969-12-31 23:59:59.999999',
        },
        { i8: null, u32: null, i64: null, u64: null, dict: null, day: null, ts_ms: null, ts_us: null },
        {
          i8: 127,
          u32: 7,
          i64: '0',
          u64: '1',
          dict: 'red',
          day: '2024-02-29',
          ts_ms: '1970-01-01 00:00:00+00',
          ts_us: '1970-01-01 00:00:00.000001',
        },
      ]);
    },
  );

  it.each([
    [undefined, 'SNAPPY'],
    ['snappy', 'SNAPPY'],
    ['zstd', 'ZSTD'],
  ])(
    'parquet compression option %s is what DuckDB sees in the file metadata (%s)',
    async (compression, codec) => {
      // (DuckDB's parquet_metadata() fails on all-null columns, so leave column n out.)
      const records = flatRecords().map(({ n: _n, ...rest }) => rest);
      const { bytes } = await (
        await getFormat('parquet')
      ).encode(records, context(compression ? { compression } : undefined));
      const path = join(dir, `codec-${String(compression)}.parquet`);
      writeFileSync(path, bytes);
      const { rows } = await query(`select distinct compression from parquet_metadata('${path}')`);
      expect(rows).toEqual([{ compression: codec }]);
    },
  );

  it('csv from records: DuckDB infers the same types and, with quoted "" kept as text, the same values', async () => {
    const records = flatRecords().map(({ n: _n, ...rest }) => rest); // an all-null column has no type to infer
    const path = await writeWith('csv', records, 'flat.csv');
    const { columns, rows } = await query(`select * from read_csv('${path}', allow_quoted_nulls = false)`);
    expect(columns).toEqual({
      f: 'DOUBLE',
      i: 'BIGINT',
      s: 'VARCHAR',
      b: 'BOOLEAN',
      d: 'TIMESTAMP WITH TIME ZONE',
    });
    expectSameRecords(rows, records);
  });

  it('csv from an Arrow table: dates and sub-millisecond timestamps', async () => {
    const path = await writeWith('csv', flatArrowTable(), 'arrow.csv');
    const { columns, json } = await query(`select day, ts_us, ts_ns from read_csv('${path}')`);
    expect(columns).toEqual({ day: 'DATE', ts_us: 'TIMESTAMP', ts_ns: 'TIMESTAMP WITH TIME ZONE' });
    expect(json.map((r) => r.ts_us)).toEqual([
      '2024-02-29 12:34:56.789123',
      '1969-12-31 23:59:59.999999',
      null,
      '1970-01-01 00:00:00.000001',
    ]);
    expect(json.map((r) => r.day)).toEqual(['1970-01-01', '1969-12-31', null, '2024-02-29']);
  });
});
