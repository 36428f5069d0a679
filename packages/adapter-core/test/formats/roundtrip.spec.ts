import { Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import type { FormatName } from '../../src/formats/result-format.js';
import {
  context,
  expectSameRecords,
  expectSameTable,
  flatArrowTable,
  flatRecords,
  nestedArrowTable,
  nestedRecords,
} from './helpers.js';

const TABULAR: FormatName[] = ['parquet', 'feather', 'csv', 'excel'];
const NESTED_OK: FormatName[] = ['parquet', 'feather'];

async function roundTrip(name: FormatName, value: unknown, options?: Record<string, unknown>) {
  const fmt = await getFormat(name);
  const ctx = context(options);
  const { bytes, meta } = await fmt.encode(value, ctx);
  // The store keeps bytes and meta; decode must work from copies of them alone.
  return fmt.decode(new Uint8Array(bytes), { ...(meta ?? {}) }, ctx);
}

describe.each(TABULAR)('%s format round trips', (name) => {
  it('gives back flat records with the same values and types', async () => {
    expectSameRecords(await roundTrip(name, flatRecords()), flatRecords());
  });

  it('gives back an Arrow table with the same schema (types, nullability, metadata) and cells', async () => {
    expectSameTable(await roundTrip(name, flatArrowTable()), flatArrowTable());
  });

  it('gives back an empty record array and a zero-row table', async () => {
    expect(await roundTrip(name, [])).toEqual([]);
    const empty = flatArrowTable().slice(0, 0);
    expectSameTable(await roundTrip(name, empty), empty);
  });

  it('keeps records as records and tables as tables', async () => {
    expect(await roundTrip(name, [{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(await roundTrip(name, new Table())).toBeInstanceOf(Table);
  });
});

describe.each(NESTED_OK)('%s format holds nested lists and structs', (name) => {
  it('records with lists, structs, lists of structs and lists of lists', async () => {
    expectSameRecords(await roundTrip(name, nestedRecords()), nestedRecords());
  });

  it('Arrow tables with nested types', async () => {
    expectSameTable(await roundTrip(name, nestedArrowTable()), nestedArrowTable());
  });
});

describe('record inference', () => {
  it.each(TABULAR)('%s: a column mixing types is a FormatError naming the column and row', async (name) => {
    const fmt = await getFormat(name);
    const err = await fmt.encode([{ a: 1 }, { a: 2 }, { a: 'x' }], context()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FormatError);
    expect((err as Error).message).toMatch(/column "a".*number at row 0.*string at row 2/);
  });

  it.each(TABULAR)('%s: records with different keys are refused, naming the row and key', async (name) => {
    const fmt = await getFormat(name);
    await expect(fmt.encode([{ a: 1, b: 2 }, { a: 1 }], context())).rejects.toThrow(/row 1.*missing "b"/);
  });

  it.each(TABULAR)(
    '%s: undefined, functions and class instances are refused, naming column and row',
    async (name) => {
      const fmt = await getFormat(name);
      await expect(fmt.encode([{ a: undefined }], context())).rejects.toThrow(/column "a", row 0/);
      await expect(fmt.encode([{ a: 1 }, { a: new Map() }], context())).rejects.toThrow(
        /column "a", row 1.*Map/,
      );
      await expect(fmt.encode([{ a: new Date(Number.NaN) }], context())).rejects.toThrow(/invalid Date/);
    },
  );

  it.each(TABULAR)(
    '%s: records without keys ([{}, {}]) are refused rather than coming back as []',
    async (name) => {
      const fmt = await getFormat(name);
      await expect(fmt.encode([{}, {}], context())).rejects.toThrow(/no keys/);
    },
  );

  it('mixed types inside a nested list name the nested path', async () => {
    const fmt = await getFormat('parquet');
    await expect(fmt.encode([{ l: [1] }, { l: [2, 'x'] }], context())).rejects.toThrow(
      /column "l\[\]".*row 1/,
    );
  });

  it.each(TABULAR)('%s: something that is not a table is a FormatError naming the node', async (name) => {
    const fmt = await getFormat(name);
    await expect(fmt.encode({ not: 'a table' }, context())).rejects.toThrow(
      /node "my_node".*Arrow Table.*array of plain records/,
    );
    await expect(fmt.encode([1, 2], context())).rejects.toBeInstanceOf(FormatError);
  });
});

describe('formats that cannot hold nested values refuse them before writing', () => {
  it.each(['csv', 'excel'] as FormatName[])(
    '%s: nested struct and list columns are FormatErrors naming the column',
    async (name) => {
      const fmt = await getFormat(name);
      await expect(fmt.encode([{ id: 1, point: { x: 1 } }], context())).rejects.toThrow(
        new RegExp(`${name} format cannot store column "point"`),
      );
      await expect(fmt.encode([{ tags: ['a'] }], context())).rejects.toBeInstanceOf(FormatError);
      await expect(fmt.encode(nestedArrowTable(), context())).rejects.toThrow(/column "list"/);
    },
  );
});
