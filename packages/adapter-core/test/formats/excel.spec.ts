import { Table } from 'apache-arrow';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import { context, expectSameRecords, expectSameTable, flatArrowTable, flatRecords } from './helpers.js';

async function roundTrip(value: unknown, options?: Record<string, unknown>) {
  const fmt = await getFormat('excel');
  const ctx = context(options);
  const { bytes, meta } = await fmt.encode(value, ctx);
  return { bytes, back: await fmt.decode(bytes, meta ?? {}, ctx) };
}

async function openWorkbook(bytes: Uint8Array) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as never);
  return wb;
}

describe('excel format', () => {
  it('writes typed cells: numbers as numbers, booleans as booleans, dates as dates, header in row 1', async () => {
    const { bytes } = await roundTrip([
      { n: 1.25, i: 3n, b: true, d: new Date('2024-05-01T10:00:00.123Z'), s: '42' },
    ]);
    const ws = (await openWorkbook(bytes)).getWorksheet('Sheet1')!;
    expect(ws.getRow(1).values).toEqual([undefined, 'n', 'i', 'b', 'd', 's']);
    const row = ws.getRow(2);
    expect(row.getCell(1).value).toBe(1.25);
    expect(row.getCell(2).value).toBe(3);
    expect(row.getCell(3).value).toBe(true);
    expect(row.getCell(4).value).toEqual(new Date('2024-05-01T10:00:00.123Z'));
    expect(row.getCell(5).value).toBe('42');
  });

  it('keeps null apart from the empty string, and quotes, newlines (CR too), tabs and unicode', async () => {
    const records = [
      { s: '' },
      { s: null },
      { s: 'line1\nline2\r\nline3\rend' },
      { s: '"quoted", <xml> & \'apos\'' },
      { s: 'ünïcødé 日本語 🎉' },
      { s: 'literal _x000D_ and _x005F_ escapes' },
      { s: 'control \u0001\u0007\u001f chars' },
      { s: '=1+1' },
    ];
    expectSameRecords((await roundTrip(records)).back, records);
  });

  it('keeps the row count when trailing rows are all null', async () => {
    const records = [
      { a: 1, b: 'x' },
      { a: null, b: null },
      { a: null, b: null },
    ];
    expectSameRecords((await roundTrip(records)).back, records);
  });

  it('bigints beyond 2^53, -0, NaN, Infinity and dates outside Excel’s calendar read back exactly', async () => {
    const records = [
      { i: 9223372036854775807n, f: -0, d: new Date('1899-12-31T23:00:00Z') },
      { i: -9007199254740993n, f: Number.NaN, d: new Date('0500-06-15T00:00:00.001Z') },
      { i: 1n, f: Number.NEGATIVE_INFINITY, d: new Date('1900-03-01T00:00:00Z') },
    ];
    expectSameRecords((await roundTrip(records)).back, records);
  });

  it('a Record<string, table> becomes one sheet per entry, given back in the same shape', async () => {
    const value = { people: [{ name: 'Ann', age: 31 }], numbers: flatArrowTable(), empty: [] };
    const { bytes, back } = await roundTrip(value);
    const wb = await openWorkbook(bytes);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['people', 'numbers', 'empty']);
    const b = back as Record<string, unknown>;
    expect(Object.keys(b)).toEqual(['people', 'numbers', 'empty']);
    expectSameRecords(b.people, [{ name: 'Ann', age: 31 }]);
    expectSameTable(b.numbers, flatArrowTable());
    expect(b.empty).toEqual([]);
  });

  it('options.sheetName names the single sheet', async () => {
    const { bytes, back } = await roundTrip([{ a: 1 }], { sheetName: 'Results' });
    expect((await openWorkbook(bytes)).worksheets.map((w) => w.name)).toEqual(['Results']);
    expect(back).toEqual([{ a: 1 }]);
  });

  it('invalid or duplicate sheet names are FormatErrors', async () => {
    const fmt = await getFormat('excel');
    await expect(fmt.encode({ 'a/b': [{ x: 1 }] }, context())).rejects.toThrow(/not a valid sheet name/);
    await expect(fmt.encode({ ['x'.repeat(32)]: [{ x: 1 }] }, context())).rejects.toThrow(
      /not a valid sheet name/,
    );
    await expect(fmt.encode({ Data: [{ x: 1 }], data: [{ x: 1 }] }, context())).rejects.toThrow(
      /two sheets named/,
    );
    await expect(fmt.encode({}, context())).rejects.toBeInstanceOf(FormatError);
  });

  it('a nested column in one sheet names the sheet and the column', async () => {
    const fmt = await getFormat('excel');
    await expect(fmt.encode({ ok: [{ a: 1 }], bad: [{ p: { x: 1 } }] }, context())).rejects.toThrow(
      /column "p".*sheet "bad"/,
    );
  });

  it('text longer than an Excel cell holds is a FormatError naming column and row', async () => {
    const fmt = await getFormat('excel');
    await expect(fmt.encode([{ t: 'ok' }, { t: 'x'.repeat(32_768) }], context())).rejects.toThrow(
      /column "t" row 1/,
    );
  });

  it('records come back as records and tables as tables', async () => {
    expect(Array.isArray((await roundTrip(flatRecords())).back)).toBe(true);
    expect((await roundTrip(flatArrowTable())).back).toBeInstanceOf(Table);
  });
});
