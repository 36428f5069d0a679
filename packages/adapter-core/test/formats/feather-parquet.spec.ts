import { RecordBatchFileReader } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '../../src/errors.js';
import { getFormat } from '../../src/formats/registry.js';
import { context, flatRecords } from './helpers.js';

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
