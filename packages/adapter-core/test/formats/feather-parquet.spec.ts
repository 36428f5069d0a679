import * as A from 'apache-arrow';
import { RecordBatchFileReader } from 'apache-arrow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import { context, expectSameTable, flatRecords } from './helpers.js';

/** Arrow types beyond the common ones: both Arrow-native formats must keep them. */
function exoticTable(): A.Table {
  const entries = new A.Struct([
    new A.Field('key', new A.Utf8(), false),
    new A.Field('value', new A.Int32(), true),
  ]);
  return new A.Table({
    f16: A.vectorFromArray([1.5, null, -0], new A.Float16()),
    time_ms: A.vectorFromArray([1, null, 86_399_999], new A.TimeMillisecond()),
    time_us: A.vectorFromArray([1n, null, 2n], new A.TimeMicrosecond()),
    dur: A.vectorFromArray([1n, null, -5n], new A.DurationMillisecond()),
    fsl: A.vectorFromArray(
      [[1, 2], null, [3, null]],
      new A.FixedSizeList(2, new A.Field('item', new A.Int32(), true)),
    ),
    map: A.vectorFromArray(
      [new Map([['a', 1]]), null, new Map()],
      new A.Map_(new A.Field('entries', entries, false)),
    ),
    lbin: A.vectorFromArray([new Uint8Array([1]), null, new Uint8Array()], new A.LargeBinary()),
    fsb: A.vectorFromArray(
      [new Uint8Array([1, 2]), null, new Uint8Array([0, 255])],
      new A.FixedSizeBinary(2),
    ),
    llist: A.vectorFromArray([[1], null, []], new A.LargeList(new A.Field('item', new A.Int32(), true))),
  });
}

describe.each(['parquet', 'feather'] as const)('%s keeps less common Arrow types', (name) => {
  it('Float16, Time, Duration, FixedSizeList, Map, LargeBinary, FixedSizeBinary, LargeList', async () => {
    const fmt = await getFormat(name);
    const { bytes, meta } = await fmt.encode(exoticTable(), context());
    expectSameTable(await fmt.decode(bytes, meta ?? {}, context()), exoticTable());
  });
});

describe('feather format', () => {
  it('writes the Arrow IPC file format (Feather v2): ARROW1 magic at both ends and a footer', async () => {
    const { bytes } = await (await getFormat('feather')).encode(flatRecords(), context());
    const text = Buffer.from(bytes);
    expect(text.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(text.subarray(text.length - 6).toString('latin1')).toBe('ARROW1');
    const reader = RecordBatchFileReader.from(bytes);
    reader.open();
    expect(reader.numRecordBatches).toBeGreaterThan(0);
  });

  it('bytes that are not Arrow IPC are a FormatError', async () => {
    const fmt = await getFormat('feather');
    const { meta } = await fmt.encode([{ a: 1 }], context());
    await expect(fmt.decode(Buffer.from('not arrow'), meta ?? {}, context())).rejects.toBeInstanceOf(
      FormatError,
    );
  });
});

describe('parquet format', () => {
  it('an unknown compression is a ConfigError naming the option and the node', async () => {
    const fmt = await getFormat('parquet');
    await expect(fmt.encode([{ a: 1 }], context({ compression: 'lzma' }))).rejects.toThrow(ConfigError);
    await expect(fmt.encode([{ a: 1 }], context({ compression: 'lzma' }))).rejects.toThrow(
      /"compression".*my_node/,
    );
  });

  it('zstd and snappy give different bytes for the same table, both reading back the same', async () => {
    const fmt = await getFormat('parquet');
    const a = await fmt.encode(flatRecords(), context({ compression: 'zstd' }));
    const b = await fmt.encode(flatRecords(), context({ compression: 'snappy' }));
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    expect(a.meta?.compression).toBe('zstd');
    const backA = await fmt.decode(a.bytes, a.meta ?? {}, context());
    const backB = await fmt.decode(b.bytes, b.meta ?? {}, context());
    expect(backA).toEqual(backB);
  });

  it('the same table always encodes to the same bytes (the result store is content-addressed)', async () => {
    const fmt = await getFormat('parquet');
    const a = await fmt.encode(flatRecords(), context());
    const b = await fmt.encode(flatRecords(), context());
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
  });

  it('bytes that are not Parquet are a FormatError', async () => {
    const fmt = await getFormat('parquet');
    const { meta } = await fmt.encode([{ a: 1 }], context());
    await expect(fmt.decode(Buffer.from('PAR1 nope PAR1'), meta ?? {}, context())).rejects.toBeInstanceOf(
      FormatError,
    );
  });
});

describe('excel determinism', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('the zip inside an .xlsx carries no write time: equal tables written on different days give equal bytes', async () => {
    const fmt = await getFormat('excel');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2020-01-01T10:00:00Z'));
    const a = await fmt.encode(flatRecords(), context());
    vi.setSystemTime(new Date('2031-07-15T18:31:07Z'));
    const b = await fmt.encode(flatRecords(), context());
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    const back = await fmt.decode(b.bytes, b.meta ?? {}, context());
    expect(Array.isArray(back)).toBe(true);
  });
});

describe('excel and csv determinism', () => {
  it.each(['csv', 'excel', 'feather'] as const)(
    '%s: the same table encodes to the same bytes',
    async (name) => {
      const fmt = await getFormat(name);
      const a = await fmt.encode(flatRecords(), context());
      const b = await fmt.encode(flatRecords(), context());
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    },
  );
});
