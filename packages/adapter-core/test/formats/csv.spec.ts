import { describe, expect, it } from 'vitest';
import { getFormat } from '../../src/formats/registry.js';
import { context, expectSameRecords } from './helpers.js';

async function encodeText(value: unknown) {
  const fmt = await getFormat('csv');
  const ctx = context();
  const { bytes, meta } = await fmt.encode(value, ctx);
  return { text: Buffer.from(bytes).toString('utf8'), back: await fmt.decode(bytes, meta ?? {}, ctx) };
}

describe('csv format', () => {
  it('writes a plain CSV other tools read: header, quoted strings, empty field for null, ISO dates', async () => {
    const { text } = await encodeText([
      { name: 'a, "b"', n: 1.5, big: 2n, ok: true, at: new Date('2024-01-02T03:04:05.006Z') },
      { name: '', n: null, big: null, ok: null, at: null },
    ]);
    expect(text).toBe(
      '"name","n","big","ok","at"\n' + '"a, ""b""",1.5,2,true,2024-01-02T03:04:05.006Z\n' + '"",,,,\n',
    );
  });

  it('tells the empty string from null, and keeps quotes, commas, CR/LF newlines and unicode', async () => {
    const records = [
      { s: '' },
      { s: null },
      { s: 'multi\nline\r\nwith CRLF\rand CR' },
      { s: '"' },
      { s: ',' },
      { s: '日本語 — ünïcødé 🎉' },
      { s: 'NaN' },
    ];
    const { back } = await encodeText(records);
    expectSameRecords(back, records);
  });

  it('finds empty strings among quoted fields holding commas, escaped quotes and newlines', async () => {
    const records = [
      { a: 'x,"y",', b: '', c: null, d: '",\n"', e: '' },
      { a: '', b: null, c: '', d: '""', e: null },
      { a: null, b: ',', c: '"', d: '', e: '\r\n' },
    ];
    expectSameRecords((await encodeText(records)).back, records);
  });

  it('a single-column table of nulls keeps its rows', async () => {
    const records = [{ a: null }, { a: null }];
    expectSameRecords((await encodeText(records)).back, records);
  });

  it('a lone UTF-16 surrogate (which UTF-8 cannot hold) is refused, not replaced', async () => {
    const fmt = await getFormat('csv');
    await expect(fmt.encode([{ s: 'ok' }, { s: 'bad \uD800' }], context())).rejects.toThrow(
      /column "s", row 1.*surrogate/,
    );
  });

  it('a stored file whose cell no longer parses as its type is a FormatError, not a wrong value', async () => {
    const fmt = await getFormat('csv');
    const { meta } = await fmt.encode([{ n: 1n }], context());
    await expect(fmt.decode(Buffer.from('"n"\nabc\n'), meta ?? {}, context())).rejects.toThrow(
      /column "n" row 0/,
    );
  });
});
