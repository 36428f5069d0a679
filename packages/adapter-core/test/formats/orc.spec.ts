import { Field, Float16, LargeUtf8, List, Table, Uint64, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import {
  context,
  expectSameRecords,
  expectSameTable,
  flatArrowTable,
  flatRecords,
  nestedArrowTable,
  nestedRecords,
} from './helpers.js';

async function roundTrip(value: unknown, options?: Record<string, unknown>) {
  const fmt = await getFormat('orc');
  const ctx = context(options);
  const { bytes, meta } = await fmt.encode(value, ctx);
  return fmt.decode(new Uint8Array(bytes), { ...(meta ?? {}) }, ctx);
}

// ORC has no all-null (Null) type: leave out the all-null columns of the shared samples.
const records = () => flatRecords().map(({ n: _n, ...r }) => r);
const nested = () => nestedRecords().map(({ maybe: _m, ...r }) => r);
// ORC has no Uint64 and no Null type, and its dates are whole days (the sample's Date64 has a time of day).
const arrowTable = () => {
  const t = flatArrowTable();
  return t.select(
    t.schema.fields.map((f) => f.name).filter((n) => !['u64', 'nothing', 'date64'].includes(n)),
  );
};

describe('orc format (@dagcache/orc)', () => {
  it('gives back flat records with the same values and types', async () => {
    expectSameRecords(await roundTrip(records()), records());
  });

  it('gives back nested records (lists, structs, lists of structs, lists of lists)', async () => {
    expectSameRecords(await roundTrip(nested()), nested());
  });

  it('gives back an Arrow table with the same schema (incl. LargeUtf8 and Dictionary, rebuilt) and cells', async () => {
    expectSameTable(await roundTrip(arrowTable()), arrowTable());
  });

  it('gives back nested Arrow tables', async () => {
    expectSameTable(await roundTrip(nestedArrowTable()), nestedArrowTable());
  });

  it.each(['zstd', 'zlib', 'snappy', 'lz4', 'none'])('compression %s round-trips', async (compression) => {
    expectSameRecords(await roundTrip(records(), { compression }), records());
  });

  it('an unknown compression is a ConfigError', async () => {
    const fmt = await getFormat('orc');
    await expect(fmt.encode(records(), context({ compression: 'brotli' }))).rejects.toBeInstanceOf(
      ConfigError,
    );
  });

  it('types ORC cannot give back are FormatErrors naming the column, before anything is written', async () => {
    const fmt = await getFormat('orc');
    const u64 = new Table({ big: vectorFromArray([1n], new Uint64()) });
    await expect(fmt.encode(u64, context())).rejects.toThrow(/column "big".*Uint64/);
    const f16 = new Table({ half: vectorFromArray([1.5], new Float16()) });
    await expect(fmt.encode(f16, context())).rejects.toThrow(/column "half".*Float16/);
    // LargeUtf8 inside a list would come back as Utf8 (only top-level string columns are rebuilt).
    const nestedLarge = new Table({
      l: vectorFromArray([['x']], new List(new Field('item', new LargeUtf8(), true))),
    });
    await expect(fmt.encode(nestedLarge, context())).rejects.toThrow(/column "l".*List<Utf8>/);
  });

  it('Date64 values with a time of day are refused (ORC dates hold days); whole days round-trip', async () => {
    const fmt = await getFormat('orc');
    const t = flatArrowTable();
    await expect(fmt.encode(t.select(['date64']), context())).rejects.toThrow(
      /column "date64".*row 3.*time of day/,
    );
    const days = t.select(['date64']).slice(0, 3);
    expectSameTable(await roundTrip(days), days);
  });

  it('bytes that are not ORC are a FormatError', async () => {
    const fmt = await getFormat('orc');
    const { meta } = await fmt.encode(records(), context());
    await expect(fmt.decode(Buffer.from('ORC nope'), meta ?? {}, context())).rejects.toBeInstanceOf(
      FormatError,
    );
  });
});
